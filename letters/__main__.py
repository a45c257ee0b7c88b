"""``python -m letters``: the same as the ``letters`` command."""

from letters.cli import main

main()
