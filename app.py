"""Open the qa-bot chat page: `python app.py [--host H] [--port P] [--auth USER:PASS] [--corpus DIR] [--index DIR]`."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from qa_bot.errors import QaBotError
from qa_bot.settings import Settings, check_port


def main(argv: list[str] | None = None) -> int:
    """Parse the flags, load the engine once and serve the page until Ctrl-C."""
    parser = argparse.ArgumentParser(description="The qa-bot chat page over a folder of news articles.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    parser.add_argument("--auth", default=os.environ.get("QA_BOT_AUTH") or None,
                        help="require a login, USER:PASSWORD (default: $QA_BOT_AUTH; none if unset)")
    parser.add_argument("--corpus", default=None, help="folder of .txt/.md/.html articles (default: shipped corpus)")
    parser.add_argument("--index", default=None, help="index folder (default: index/)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # Gradio's own start-up requests, one line each
    try:
        check_port(args.port)  # before the page's libraries load (10 s)
        from qa_bot.ui import serve

        settings = Settings.from_env(corpus=args.corpus, index_dir=args.index)
        serve(settings, host=args.host, port=args.port, auth=args.auth)
    except QaBotError as exc:
        print(f"qa-bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
