"""The qa-bot command: JSON output, and one clear line with a non-zero exit code for every bad input."""

import json
import subprocess
import sys

import pytest

from qa_bot.cli import main


def test_ask_json_prints_the_answer_dict(news_corpus, tmp_path, capsys):
    code = main(["ask", "How many residents were evacuated?", "--json", "--corpus", str(news_corpus),
                 "--index", str(tmp_path / "ix"), "-q"])
    assert code == 0
    d = json.loads(capsys.readouterr().out)
    assert d["found"] and d["citations"]


@pytest.mark.parametrize("args, message", [
    (["ask", "  "], "The question is empty"),
    (["ask", "x", "--corpus", "/no/such/folder"], "does not exist"),
    (["index", "--chunk-chars", "5"], "use 100 to 2,000 characters"),
    (["ask", "x", "--chroma-url", "nonsense"], "http://HOST:PORT"),
])
def test_bad_input_exits_non_zero_with_one_clear_line(args, message, tmp_path, capsys):
    code = main(args + ["--index", str(tmp_path / "ix")])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err


def test_unreachable_chroma_server_says_how_to_start_one(news_corpus, tmp_path, capsys):
    code = main(["index", "--corpus", str(news_corpus), "--index", str(tmp_path / "ix"),
                 "--chroma-url", "http://127.0.0.1:9"])
    assert code == 2
    assert "Cannot reach the Chroma server" in capsys.readouterr().err


def test_index_command_reports_what_it_did(news_corpus, tmp_path):
    out = subprocess.run([sys.executable, "-m", "qa_bot.cli", "index", "--corpus", str(news_corpus),
                          "--index", str(tmp_path / "ix")], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "3 added, 0 updated, 0 removed" in out.stdout
    assert "Traceback" not in out.stderr and "DEBUG" not in out.stderr
