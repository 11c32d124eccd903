"""``python -m mixxx_peewee``: the same as the ``mixxx-peewee`` command."""

from mixxx_peewee.cli import main

if __name__ == "__main__":
    main()
