"""``waste listen``: ingest LoRaWAN uplinks live from an MQTT broker."""

from __future__ import annotations

import click

from waste.commands._options import console, db_option, store_from
from waste.commands.ingest import print_reports
from waste.ingest import IngestReport
from waste.listen import DEFAULT_TOPIC
from waste.listen import listen as listen_to_broker


@click.command()
@click.option(
    "--mqtt",
    "url",
    metavar="URL",
    required=True,
    help="Broker, e.g. mqtt://localhost:1883 or mqtts://user:key@host:8883.",
)
@click.option(
    "--topic", default=DEFAULT_TOPIC, show_default=True, help="Topic filter (The Things Stack v3 uplinks by default)."
)
@click.option("--count", type=int, default=None, help="Stop after this many messages.")
@click.option("--timeout", "timeout_s", type=float, default=None, help="Stop after this many seconds.")
@db_option
def listen(url: str, topic: str, count: int | None, timeout_s: float | None, db_url: str | None) -> None:
    """Subscribe to a LoRaWAN network server's MQTT uplinks and ingest each message as it arrives.

    Every message goes through the same validation and quarantine as `waste ingest`. Stop with Ctrl-C (or --count
    / --timeout); a summary is printed at the end.
    """
    store = store_from(db_url)
    out = console()
    out.print(f"Listening on {url} to {topic} (Ctrl-C to stop)")

    def show(report: IngestReport) -> None:
        word = (
            "stored"
            if report.stored
            else ("quarantined: " + ", ".join(report.reasons) if report.quarantined else "already stored")
        )
        out.print(f"{report.source}: {word}")

    total = listen_to_broker(store, url, topic, max_messages=count, timeout_s=timeout_s, on_report=show)
    print_reports([total])
