"""Many cases at once: each case's outcome on its own, in one process, in several, or on a cluster.

The face of the batch wing: jobs and their output paths (``jobs``), rendering a chunk of them
(``chunks``), rendering and checking many case files (``running``), the worker pool that ends
with the batch (``workers``), and the Dask cluster (``cluster``, ``letters[cluster]``, imported
only when a batch asks for it).
"""

from letters.batch.jobs import Job as Job
from letters.batch.jobs import died as died
from letters.batch.jobs import output_folder as output_folder
from letters.batch.jobs import plan as plan
from letters.batch.running import render_files as render_files
from letters.batch.running import stop_on_signals as stop_on_signals
from letters.batch.running import validate_files as validate_files
from letters.batch.workers import Workers as Workers
from letters.batch.workers import die_with_parent as die_with_parent
