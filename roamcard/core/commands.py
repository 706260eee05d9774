"""What our management commands share."""

import argparse
from typing import Any

from django.core.management.base import BaseCommand, DjangoHelpFormatter


class RawDescriptionFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Keeps a command's help (its column tables, its examples) as written."""


class DescribedCommand(BaseCommand):
    """A command whose `help` is a long text laid out by hand, and translated: it is shown
    as written, in the language active when the parser is made."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        kwargs.setdefault("formatter_class", RawDescriptionFormatter)
        self.help = str(self.help)
        return super().create_parser(prog_name, subcommand, **kwargs)
