"""``waste serve``: the web app and JSON API with waitress, on the same store as the command line."""

from __future__ import annotations

import ipaddress
import shutil
from pathlib import Path

import click

from waste.errors import ConfigError
from waste.settings import load_settings
from web.auth import sign_in_link
from web.install_assets import INSTALL_COMMAND, install_assets, missing_assets
from web.limits import MAX_BODY_BYTES


def ensure_assets(install: bool) -> None:
    """Make sure Leaflet and Chart.js are in ``web/static/vendor``; install them with npm when allowed and possible.

    Raises
    ------
    ConfigError
        When they are missing and cannot be installed here, naming the command that installs them.
    """
    missing = missing_assets()
    if not missing:
        return
    if install and shutil.which("npm"):
        click.echo(f"Installing the map and chart libraries from the npm registry ({INSTALL_COMMAND}) ...")
        install_assets()
        return
    msg = f"the web assets are not installed ({', '.join(missing[:3])}...); run: {INSTALL_COMMAND}"
    raise ConfigError(msg)


#: Host names a browser on the server's own machine uses.
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def waitress_options() -> dict[str, object]:
    """How ``waste serve`` runs waitress (tests start their server with the same options)."""
    return {"ident": "waste", "max_request_body_size": MAX_BODY_BYTES}


def trusted_hosts(bind_host: str, allowed: str | None) -> list[str] | None:
    """Host names to answer to: ``allowed`` (comma-separated) if given, else the loopback names on a loopback bind.

    Checking the ``Host`` header stops DNS rebinding: a web page whose name an attacker points at 127.0.0.1 cannot
    make a visitor's browser talk to a server on that visitor's machine. On a public address (``0.0.0.0``) every
    name is answered unless ``allowed`` names them.
    """
    if allowed:
        return [name.strip().lower() for name in allowed.split(",") if name.strip()]
    try:
        loopback = ipaddress.ip_address(bind_host).is_loopback
    except ValueError:
        loopback = bind_host == "localhost"
    return list(LOOPBACK_NAMES) if loopback else None


@click.command(name="serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for all).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.option(
    "--db", "db_url", metavar="URL", help="Store URL (default: WASTE_DATABASE_URL or sqlite:///waste.sqlite)."
)
@click.option(
    "--allowed-host",
    metavar="NAMES",
    help="Host names to answer to, comma-separated (default: WASTE_ALLOWED_HOSTS; the loopback names on 127.0.0.1).",
)
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64), help="Request threads.")
@click.option(
    "--bench-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("benchmarks/results/bench"),
    show_default=True,
    help="Folder of `waste bench` results for the benchmark page.",
)
@click.option(
    "--install-assets/--no-install-assets",
    default=True,
    show_default=True,
    help="Install missing map and chart libraries with npm before serving.",
)
def serve(
    host: str,
    port: int,
    db_url: str | None,
    allowed_host: str | None,
    threads: int,
    bench_dir: Path,
    install_assets: bool,
) -> None:
    """Serve the dispatcher map, bin, planner and benchmark pages and the JSON API (/api, /api/openapi.json).

    Writes to the API need 'Authorization: Bearer TOKEN' with TOKEN from WASTE_API_TOKEN; without it a random
    token is made and printed with a sign-in link that hands it to a browser. No page carries a token: a chosen one
    is typed once into the dispatcher page's token box.
    """
    import waitress

    from web.app import create_app

    ensure_assets(install_assets)
    settings = load_settings({"database_url": db_url, "allowed_hosts": allowed_host})
    app = create_app(settings, bench_dir=bench_dir, trusted_hosts=trusted_hosts(host, settings.allowed_hosts))
    state = app.extensions["waste"]
    click.echo(f"Store: {state.store.url}")
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
    base = f"http://{shown}:{port}/"
    click.echo(f"Serving on {base}  (Ctrl-C stops)")
    if app.config["WASTE_TOKEN_GENERATED"]:
        click.echo(f"API token for this run (set WASTE_API_TOKEN to choose one): {app.config['WASTE_API_TOKEN']}")
        click.echo(f"Sign in this browser to run plans: {sign_in_link(base, app.config['WASTE_API_TOKEN'])}")
    try:
        waitress.serve(app, host=host, port=port, threads=threads, **waitress_options())
    finally:
        state.jobs.shutdown()
        state.store.dispose()
