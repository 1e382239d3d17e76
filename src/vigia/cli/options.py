"""Options shared by several commands, so each is spelled and documented once."""

from __future__ import annotations

import typer

from vigia.output import OutputFormat

FormatOpt = typer.Option(OutputFormat.table, "--format", "-f", help="Output: table (Rich), csv or json.")
VintageOpt = typer.Option(None, "--vintage", help="As published at this cut-off month (YYYY-MM); default latest.")
GeoOpt = typer.Option(
    None, "--geo", "-g",
    help="INEGI code or name: 00 = national (sum of states), 01–32 or a name such as 'Edomex', 'CDMX', "
    "'Veracruz'; a 5-digit municipality; '*' = every state. Repeat for several.",
)
FromOpt = typer.Option(None, "--from", help="First period (YYYY or YYYY-MM).")
ToOpt = typer.Option(None, "--to", help="Last period (YYYY or YYYY-MM).")
