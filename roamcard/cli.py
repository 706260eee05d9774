"""The `roamcard` command: Django's management commands with dashes, for staff and scripts.

roamcard import-cards cards.csv      is   python manage.py import_cards cards.csv
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
    execute_from_command_line(["roamcard", *args])


if __name__ == "__main__":
    main()
