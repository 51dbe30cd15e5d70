"""Command line: `qa-bot index | ask | disputes | serve | eval`; the only place that turns errors into messages and exit codes."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from typing import Sequence

from .errors import QaBotError, SettingsError
from .settings import Settings, check_port

log = logging.getLogger("qa_bot")
FORMATS = ("md", "csv", "json")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--corpus", help="folder of .txt/.md/.html articles (default: the shipped corpus)")
    p.add_argument("--index", dest="index_dir", help="index folder (default: ./index in the project)")
    p.add_argument("--chroma-url", help="use a Chroma server, e.g. http://127.0.0.1:8000 (env QA_BOT_CHROMA_URL)")
    p.add_argument("--model", help="sentence-transformers model folder (default: all-MiniLM-L6-v2 from PyPI)")
    p.add_argument("--chunk-chars", type=int, help="chunk size in characters (default 700)")
    p.add_argument("--chunk-overlap", type=int, help="overlap between chunks in characters (default 150)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument("-v", "--verbose", action="store_true", help="log what happens")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    parser = argparse.ArgumentParser(prog="qa-bot", description="Cited answers over a folder of news articles, "
                                     "with the figures sources report differently side by side.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("index", help="build or update the index of a corpus folder (a damaged index is rebuilt)")
    p.add_argument("--rebuild", action="store_true", help="start clean: drop the index of this corpus and build it")
    p.add_argument("--ray", dest="ray_address", metavar="ADDRESS", help="parse and embed on the Ray cluster at "
                   "ADDRESS (host:port of `ray start --head`; env QA_BOT_RAY); the index is written from here")
    _common(p)
    p = sub.add_parser("ask", help="answer a question with citations")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print Answer.to_dict() as JSON (same as --format json)")
    p.add_argument("--format", choices=FORMATS, help="md: a markdown document (answer, figures, citations with "
                   "quotes and offsets); csv: one row per figure; json: Answer.to_dict()")
    p.add_argument("--history", action="append", default=[], help="an earlier question (repeatable, oldest first)")
    p.add_argument("--doc", action="append", dest="doc_ids", help="only search this article id (repeatable)")
    p.add_argument("--answerer", choices=["extractive", "llm"], help="llm needs QA_BOT_LLM_URL/QA_BOT_LLM_MODEL")
    _common(p)
    p = sub.add_parser("disputes", help="what the sources disagree about: figure groups that disagree, were "
                       "updated or revised, most consequential first")
    p.add_argument("--json", action="store_true", help="print the list as JSON (same as --format json)")
    p.add_argument("--format", choices=FORMATS, help="md: a markdown document; csv: one row per figure; json")
    p.add_argument("--top", type=int, default=None, help="show only the first N groups (text output)")
    _common(p)
    p = sub.add_parser("serve", help="open the chat page")
    p.add_argument("--host", default=None, help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default 7860)")
    p.add_argument("--auth", default=None, help="require login user:password (or env QA_BOT_AUTH)")
    _common(p)
    sub.add_parser("eval", help="run the evaluation (see `qa-bot eval --help`)", add_help=False)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings from QA_BOT_* variables overridden by the flags given."""
    return Settings.from_env(corpus=args.corpus, index_dir=args.index_dir, chroma_url=args.chroma_url,
                             model=args.model, chunk_chars=args.chunk_chars, chunk_overlap=args.chunk_overlap,
                             answerer=getattr(args, "answerer", None), ray_address=_ray_address(args),
                             progress=False if args.quiet else None)


def _ray_address(args: argparse.Namespace) -> str | None:
    """--ray, else QA_BOT_RAY, for `qa-bot index` only (questions never wait on a cluster)."""
    if args.command != "index":
        return None
    return getattr(args, "ray_address", None) or os.environ.get("QA_BOT_RAY") or None


class _Bar:
    """tqdm progress bar fed by the Engine's (done, total, what) callback; one bar per stage."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar = None
        self.what = ""

    def __call__(self, done: int, total: int, what: str) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        if what != self.what:
            self.close()
            self.bar = tqdm(total=total, desc=what, unit="item", file=sys.stderr, leave=False)
            self.what = what
        self.bar.n = done
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def check_doc_ids(asked: Sequence[str], known: Sequence[str]) -> None:
    """--doc names indexed articles, or a SettingsError naming the unknown ones and the known ids."""
    unknown = [d for d in asked if d not in set(known)]
    if unknown:
        shown = ", ".join(sorted(known)[:20]) + (f", … ({len(known)} in all)" if len(known) > 20 else "")
        raise SettingsError(f"--doc {', '.join(map(repr, unknown))}: no indexed article has this id. "
                            f"Known ids: {shown}.")


def print_answer(answer) -> None:
    """Human-readable answer: text, figures side by side, then the numbered sources with file offsets."""
    from .render.markdown import answer_text

    print(answer_text(answer))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `qa-bot` command."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "eval":
        from .eval import main as eval_main

        return eval_main(argv[1:])
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = settings_from(args)
        if args.command == "serve":
            if args.port is not None:
                check_port(args.port)  # before the page's libraries load (10 s)
            from .ui import serve

            logging.getLogger("qa_bot").setLevel(logging.INFO)  # start-up progress in the terminal too
            serve(settings, host=args.host, port=args.port, auth=args.auth or os.environ.get("QA_BOT_AUTH") or None)
            return 0
        from .engine import Engine

        engine = Engine(settings)
        bar = _Bar(settings.progress and sys.stderr.isatty())
        if args.command == "index":
            report = engine.index(progress=bar, rebuild=args.rebuild)
            bar.close()
            for w in report.skipped:
                print(f"warning: {w}", file=sys.stderr)
            print(f"Indexed {settings.corpus}: {report.summary()}")
            return 0
        report = engine.index(progress=bar)  # ask, disputes: bring the index up to date first (cheap when nothing changed)
        bar.close()
        for w in report.skipped:
            print(f"warning: {w}", file=sys.stderr)
        fmt = "json" if args.json else args.format
        if args.command == "disputes":
            from .render import csv as csv_edge, markdown

            found = engine.disputes()
            if args.top is not None and args.top < 1:
                raise SettingsError("--top must be 1 or more.")
            if fmt == "json":
                print(json.dumps(found.to_dict(), ensure_ascii=False, indent=2))
            elif fmt == "csv":
                sys.stdout.write(csv_edge.disputes_csv(found))
            elif fmt == "md":
                sys.stdout.write(markdown.disputes_markdown(found))
            else:
                print(markdown.disputes_text(found, args.top))
            return 0
        if args.doc_ids:
            check_doc_ids(args.doc_ids, [a.doc_id for a in engine.catalog()])
        answer = engine.ask(args.question, history=args.history, doc_ids=args.doc_ids)
        if fmt == "json":
            print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        elif fmt == "csv":
            from .render.csv import answer_csv

            sys.stdout.write(answer_csv(answer))
        elif fmt == "md":
            from .render.markdown import answer_document

            sys.stdout.write(answer_document(answer))
        else:
            print_answer(answer)
        return 0
    except QaBotError as exc:
        print(f"qa-bot: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `qa-bot ask ... | head`: the reader left; not an error worth a traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        print("qa-bot: interrupted; the previous index is unchanged.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
