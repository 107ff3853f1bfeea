"""``python -m silverguard`` is the ``silverguard`` command."""

from silverguard.cli import main

main()
