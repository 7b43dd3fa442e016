"""Start the dashboard with the image models warming up at start-up, before its first user arrives.

Usage: python -m app_support.serve [options of `streamlit run`]   (what scripts/run_app.sh runs)

`streamlit run streamlit_app.py` only runs app code when the first browser connects, so on its own the app can
only start loading the image models after its first page. Here, when no browser has come within
``IDLE_WARM_UP_S`` (5 s) of the start, the warm-up begins anyway: a server started before its users arrive has its
models loaded and run once when the log says "image models warm". With the shipped LiteRT exports that takes well
under a second, and even a cold first upload loads them in a fraction of a second; with ``OSTEO_IMAGE_RUNTIME=keras``
it takes ~10–20 s on 2 cores (TensorFlow's import, the Keras load and trace). When a browser comes first, its first
page is drawn first and the warm-up follows it (loading TensorFlow while a page is drawn made that page several
times slower: measured 11.7 s instead of 2.2 s).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "streamlit_app.py"


def main(argv: list[str] | None = None) -> None:
    """Start the idle warm-up timer, then `streamlit run streamlit_app.py` with ``argv`` in this process."""
    from streamlit.web import cli

    from app_support.image_models import warm_up_when_idle

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("osteo")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    warm_up_when_idle()
    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    cli.main(prog_name="streamlit")


if __name__ == "__main__":
    main()
