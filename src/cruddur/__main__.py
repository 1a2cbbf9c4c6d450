"""`python -m cruddur` is the `cruddur` command."""

from cruddur.cli import main

main()
