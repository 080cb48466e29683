"""`python -m reviewer`: the same command as the `reviewer` script."""

from reviewer.cli import main

if __name__ == "__main__":
    main()
