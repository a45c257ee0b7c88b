"""Many cases at once: jobs and planning, running and containment, the worker pool, the Dask cluster."""
