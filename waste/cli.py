"""The ``waste`` command: one entry point for every subcommand.

Each subcommand lives beside the library code it drives (``waste/commands/*.py``, ``energy/cli.py``, ...) and is
imported only when it runs, so ``waste --help`` stays fast and the ``waste`` package never imports ``routing`` or
``energy`` at import time. The commands are thin: parse options, make one library call, print. Library errors
(:class:`waste.errors.WasteError`) become a one-line ``Error:`` message and exit code 1 here, and nowhere else.
"""

from __future__ import annotations

import importlib

import click

from waste.errors import WasteError

#: Subcommand name -> (import path of the click command, one-line purpose shown by ``waste --help``).
COMMANDS: dict[str, tuple[str, str]] = {
    "daily": ("routing.cli:daily", "Run the daily job on a sample city: load, ingest, status, plan the day."),
    "load": ("waste.commands.load:load", "Load a city's sites, bins and fleet into the store."),
    "ingest": ("waste.commands.ingest:ingest", "Ingest sensor readings (CSV, JSON lines, LoRaWAN uplinks)."),
    "listen": ("waste.commands.listen:listen", "Ingest LoRaWAN uplinks live from an MQTT broker."),
    "status": ("waste.commands.status:status", "Print the fleet and bin status table from the store."),
    "quarantine": ("waste.commands.quarantine:quarantine", "List readings rejected at ingest, with reasons."),
    "simulate": ("waste.commands.simulate:simulate", "Generate a sample city: sites, bins, fleet, readings."),
    "simulate-ops": (
        "routing.operations.command:simulate_ops",
        "Simulate weeks of collection to compare fixed rounds, a fill threshold and smart plans.",
    ),
    "forecast": ("waste.commands.forecast:forecast", "Forecast each bin's fill, time to full and overflow risk."),
    "backtest": ("waste.commands.backtest:backtest", "Backtest fill forecasts against baselines on a city or a log."),
    "plan": ("routing.cli:plan", "Plan the day's collection: choose the bins, route the trucks, write sheets."),
    "roads": ("routing.roads_cli:roads", "Prepare an OpenStreetMap extract for real road travel times (OSRM)."),
    "bench": ("routing.bench.cli:bench", "Benchmark routing solvers on VRPLIB instances with checked results."),
    "energy": ("energy.cli:energy", "Size waste-to-energy plants for a city scenario."),
    "haulers": ("waste.commands.haulers:haulers", "Load and list the haulers of the matching platform."),
    "accounts": ("waste.commands.haulers:accounts", "Create requester, hauler and city accounts with API tokens."),
    "requests": ("routing.matching.cli:requests", "File, import, list and follow collection requests."),
    "match": ("routing.matching.cli:match", "Match requests to haulers, plan their days, simulate a month."),
    "recycling": ("waste.commands.recycling:recycling", "Recycling and reuse records and the monthly report."),
    "serve": ("web.serve:serve", "Serve the dispatcher map, planner pages and JSON API (waitress)."),
}


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when that subcommand is used or listed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Names of every subcommand, sorted."""
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import and return the subcommand ``cmd_name``, or ``None`` when there is none of that name."""
        if cmd_name not in COMMANDS:
            return None
        target, _ = COMMANDS[cmd_name]
        module_name, attr = target.split(":")
        command = getattr(importlib.import_module(module_name), attr)
        if not isinstance(command, click.Command):
            msg = f"{target} is not a click command"
            raise TypeError(msg)
        return command

    def invoke(self, ctx: click.Context) -> object:
        """Run the subcommand; a domain error becomes a one-line ``Error:`` message and exit code 1."""
        try:
            return super().invoke(ctx)
        except WasteError as exc:
            raise click.ClickException(str(exc)) from exc

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List every subcommand with its one-line purpose, without importing any of them."""
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="waste-optimiser", prog_name="waste")
def cli() -> None:
    """Smart waste collection: sensor readings in, collection plans and energy estimates out.

    Every command works on the bundled sample cities with the embedded SQLite store; set WASTE_DATABASE_URL
    (or --db) for PostgreSQL.
    """


def main() -> None:
    """Console entry point (``waste``)."""
    cli(prog_name="waste")
