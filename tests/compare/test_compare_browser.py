"""The HTML report opens in headless Chromium with no console message and every image decoded."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from compare_testdata import EXPERIMENT, make_known_runs

from qml_entanglement.analysis.intervals import CISettings
from qml_entanglement.compare import CompareSettings, build_report
from qml_entanglement.compare.settings import PublishSettings
from qml_entanglement.tracking.synthetic import create_runs

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="headless browser test needs /usr/bin/chromium (apt-get install -y chromium)",
    ),
]
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
)
# Runs on the load event, after data: images have decoded; records each image's state.
PROBE = (
    "<script>window.addEventListener('load', () => {document.body.dataset.images = "
    "[...document.images].map(i => i.complete && i.naturalWidth > 0).join(',');});</script>"
)


def _chromium(tmp_path: Path, page: Path, *extra: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{page.stem}-{len(extra)}"
    return subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def html_report(tmp_path_factory, _empty_store) -> Path:
    root = tmp_path_factory.mktemp("browser")
    db = root / "mlruns" / "mlflow.db"
    db.parent.mkdir()
    shutil.copyfile(_empty_store, db)
    uri = f"sqlite:///{db}"
    make_known_runs(lambda specs: create_runs(uri, EXPERIMENT, specs))
    settings = CompareSettings(
        tracking={"uri": uri},
        output_dir=str(root / "reports"),
        ci=CISettings(n_resamples=999),
        mlflow=PublishSettings(log=False),
    )
    return build_report(settings).directory / "report.html"


def test_report_loads_without_console_messages(html_report, tmp_path):
    result = _chromium(tmp_path, html_report, "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], console
    assert "<h1>Entanglement vs loss: default</h1>" in result.stdout
    assert 'id="data-quality"' in result.stdout


def test_every_embedded_image_decodes(html_report, tmp_path):
    probe = tmp_path / "probe.html"
    probe.write_text(html_report.read_text().replace("</body>", PROBE + "</body>"))
    result = _chromium(tmp_path, probe, "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    match = re.search(r'data-images="([^"]*)"', result.stdout)
    assert match, "the load-event probe did not run"
    states = match.group(1).split(",")
    # heatmap, overlay by entanglement pattern, two figures per group (3 groups)
    assert len(states) == 8 and set(states) == {"true"}, states


def test_screenshot_renders(html_report, tmp_path):
    shot = tmp_path / "report.png"
    result = _chromium(tmp_path, html_report, f"--screenshot={shot}", "--window-size=1280,2400")
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.stat().st_size > 20_000  # text, tables and the heatmap, not a blank page
