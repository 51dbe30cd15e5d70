"""Evaluation of qa-bot: fixed questions, metrics, baselines, external benchmarks and the report (`qa-bot eval`)."""
