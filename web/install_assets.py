"""Install the browser libraries the web app serves (Leaflet, Chart.js) from the npm registry into static/vendor/.

The pages load nothing from a CDN: the libraries come from ``web/static/vendor/``, which is not committed. This
script installs the exact versions pinned in ``web/assets/package.json`` and ``package-lock.json`` with ``npm ci``
into a temporary folder and copies only the distribution files the pages use::

    python -m web.install_assets

Run it again after changing the pinned versions. ``waste serve`` runs it itself when the files are missing and
``npm`` is on the PATH.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from waste.errors import ConfigError

WEB_DIR = Path(__file__).resolve().parent
PACKAGE_DIR = WEB_DIR / "assets"
VENDOR_DIR = WEB_DIR / "static" / "vendor"
INSTALL_COMMAND = "python -m web.install_assets"

#: Files copied from ``node_modules`` (source) to ``static/vendor`` (target); the pages link the targets.
VENDOR_FILES: dict[str, str] = {
    "leaflet/dist/leaflet.js": "leaflet/leaflet.js",
    "leaflet/dist/leaflet.css": "leaflet/leaflet.css",
    "leaflet/dist/images/marker-icon.png": "leaflet/images/marker-icon.png",
    "leaflet/dist/images/marker-icon-2x.png": "leaflet/images/marker-icon-2x.png",
    "leaflet/dist/images/marker-shadow.png": "leaflet/images/marker-shadow.png",
    "leaflet/dist/images/layers.png": "leaflet/images/layers.png",
    "leaflet/dist/images/layers-2x.png": "leaflet/images/layers-2x.png",
    "chart.js/dist/chart.umd.js": "chart.js/chart.umd.js",
    "leaflet/LICENSE": "leaflet/LICENSE",
    "chart.js/LICENSE.md": "chart.js/LICENSE.md",
}


def missing_assets(vendor_dir: Path = VENDOR_DIR) -> list[str]:
    """Vendor files that are not installed (relative paths under ``static/vendor``); empty when all are there."""
    return [target for target in VENDOR_FILES.values() if not (vendor_dir / target).is_file()]


def install_assets(vendor_dir: Path = VENDOR_DIR, npm: str | None = None) -> list[Path]:
    """Install the pinned packages with ``npm ci`` in a temporary folder and copy their files into ``vendor_dir``.

    Raises
    ------
    ConfigError
        When npm is not installed, or the install fails (no network, a changed lock file).
    """
    npm = npm or shutil.which("npm")
    if npm is None:
        msg = f"npm is not installed: install Node.js and npm, then run {INSTALL_COMMAND}"
        raise ConfigError(msg)
    with tempfile.TemporaryDirectory(prefix="waste-assets-") as tmp:
        work = Path(tmp)
        for name in ("package.json", "package-lock.json"):
            shutil.copy2(PACKAGE_DIR / name, work / name)
        done = subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefix", str(work)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            msg = f"npm ci failed in {PACKAGE_DIR} (exit {done.returncode}): {done.stderr.strip()[-800:]}"
            raise ConfigError(msg)
        written = []
        for source, target in VENDOR_FILES.items():
            path = vendor_dir / target
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(work / "node_modules" / source, path)
            written.append(path)
    return written


def main() -> None:
    """Command-line entry point: install the assets and list what was written."""
    try:
        written = install_assets()
    except ConfigError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        raise SystemExit(1) from exc
    for path in written:
        print(path.relative_to(WEB_DIR))


if __name__ == "__main__":
    main()
