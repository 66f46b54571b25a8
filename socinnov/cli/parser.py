"""argparse in French for the ``socinnov`` command: usage errors, headings, help and examples.

argparse writes its messages in English and ships no French catalogue: its few usage errors are
translated here by their English wording (Python 3.11 to 3.13), its headings and ``-h`` are
renamed, and a command's help is laid out for a French reader (no line broken before « ; : »,
examples shown one a line, continued as a shell reads them when too long).
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap

EXIT_BAD_INPUT = 2

_ARGPARSE_FR = (
    (r"argument (?P<arg>.+?): invalid choice: '?(?P<value>.*?)'? \(choose from (?P<choices>.*)\)",
     "{arg} : « {value} » inconnu ; choisir parmi : {choices}"),
    (r"argument (?P<arg>.+?): invalid int value: '?(?P<value>.*?)'?$", "{arg} : « {value} » n'est pas un nombre entier"),
    (r"argument (?P<arg>.+?): invalid (?P<kind>\w+) value: '?(?P<value>.*?)'?$", "{arg} : valeur « {value} » invalide"),
    (r"argument (?P<arg>.+?): expected one argument", "{arg} : une valeur est attendue après l'option"),
    (r"argument (?P<arg>.+?): ignored explicit argument '?(?P<value>.*?)'?$", "{arg} : « {value} » en trop"),
    (r"the following arguments are required: (?P<args>.*)", "argument(s) obligatoire(s) manquant(s) : {args}"),
    (r"unrecognized arguments: (?P<args>.*)", "argument(s) non reconnu(s) : {args}"),
    # An option's own type check (argparse.ArgumentTypeError), its message already French.
    (r"argument (?P<arg>.+?): (?P<message>.*)", "{arg} : {message}"),
)


def french(message: str) -> str:
    """An argparse usage error in French (as it came, if its wording is not known here)."""
    for pattern, wording in _ARGPARSE_FR:
        m = re.fullmatch(pattern, message)
        if m:
            fields = {k: v.replace("'", "") if k == "choices" else v for k, v in m.groupdict().items()}
            return wording.format(**fields)
    return message


NBSP = "\u00a0"
_TIGHT = re.compile(r" (?=[;:!?»])|(?<=«) ")  # French spaces that a line must not break at


def _wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of ``width`` at most, never broken before « ; : ! ? » » nor after « « »,
    nor inside a hyphenated word (`socinnov import-forms`)."""
    lines = textwrap.wrap(_TIGHT.sub(NBSP, " ".join(text.split())), width, break_on_hyphens=False)
    return [line.replace(NBSP, " ") for line in lines]


class Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's help in French: headed « utilisation : », options' help wrapped as
    :func:`_wrap` does; descriptions and examples are laid out by :func:`command`."""

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "utilisation : " if prefix is None else prefix)

    def _split_lines(self, text, width):
        return _wrap(text, width)


class Parser(argparse.ArgumentParser):
    """argparse in French: usage errors (exit status 2, as argparse), headings and ``-h``.

    ``on_help``: called just before the help is written, to fill in what costs an import to
    know (the report names of ``--only``): parsing a command line stays light.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", Formatter)
        super().__init__(*args, add_help=False, **kwargs)
        # argparse writes a heading « TITRE: »; French puts a space before the colon.
        self._positionals.title = "arguments "
        self._optionals.title = "options "
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                          help="afficher cette aide et quitter")
        self.on_help = None

    def format_help(self) -> str:
        if self.on_help is not None:
            self.on_help(self)
        return super().format_help()

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog} : erreur : {french(message)}\n")


def command(sub, name: str, *, help: str, description: str, examples: list[tuple[str, str]]) -> Parser:
    """A subcommand whose ``--help`` says what it does (``description``, paragraphs separated by
    a blank line) and shows ``examples``: (command line, what it does)."""
    text = "\n\n".join("\n".join(_wrap(par, 78)) for par in description.split("\n\n"))
    epilog = "exemples :\n" + "\n".join(f"  {shell_lines(line)}\n      {what}" for line, what in examples)
    return sub.add_parser(name, help=help, description=text, epilog=epilog)


def shell_lines(line: str, width: int = 76) -> str:
    """A command line too long for the terminal, continued on the next lines with `` \\`` (as a
    shell reads it), an option kept with its value."""
    words: list[str] = []
    for word in line.split():
        if words and words[-1].startswith("-") and " " not in words[-1] and not word.startswith("-"):
            words[-1] += f" {word}"
        else:
            words.append(word)
    lines = [words[0]]
    for word in words[1:]:
        if len(lines[-1]) + len(word) + 3 > width:
            lines.append(f"    {word}")
        else:
            lines[-1] += f" {word}"
    return " \\\n  ".join(lines)
