"""A deterministic generator of news-like articles with figures, for measuring qa-bot at 1,000-100,000 chunks.

    .venv/bin/python benchmarks/newsgen.py OUT_DIR --articles 200 [--seed 7]

Every article reports one invented event (a flood, an earthquake, a strike, a fire, a storm, a factory closure)
in an invented town, from one of several outlets, on a date: death tolls and injured counts that rise from
report to report, evacuations, damage in dollars, rainfall in millimetres, distances in kilometres and miles,
percentages, who said each figure, and filler sentences around them, so that parsing, figure extraction,
chunking and retrieval do the work they do on real reports. Same arguments, same bytes. A sources.csv gives each
file its outlet and date. About 5 chunks of 700 characters per article.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
from pathlib import Path

SYLLABLES = ["nor", "th", "field", "east", "vale", "brook", "ham", "ton", "ridge", "mar", "ley", "wood", "port",
             "stone", "ash", "ford", "glen", "by", "wick", "dale", "mere", "cas", "tel", "bar", "row", "lin"]
FIRST = ["Maria", "Daniel", "Aisha", "Tomas", "Elena", "Kofi", "Priya", "Lars", "Mei", "Omar", "Sofia", "Jonas",
         "Amara", "Pavel", "Ines", "Hiro", "Leila", "Marco", "Nadia", "Samuel"]
LAST = ["Reyes", "Okafor", "Lindqvist", "Novak", "Haddad", "Brennan", "Tanaka", "Moreau", "Castillo", "Adeyemi",
        "Kowalski", "Fischer", "Mensah", "Larsen", "Varga", "Quinn", "Soto", "Petrov", "Ahmed", "Costa"]
ROLES = ["the regional governor", "the mayor", "a spokesperson for the emergency service", "the police chief",
         "the health minister", "a union leader", "the fire chief", "a senior aid official"]
OUTLETS = ["Daily Ledger", "City Wire", "Evening Post", "Coastal Herald", "National Courier", "Morning Star Press"]
EVENTS = {
    "flood": ("floods", "heavy rain", "the river burst its banks"),
    "earthquake": ("an earthquake", "the tremor", "buildings collapsed"),
    "storm": ("a storm", "hurricane-force winds", "roofs were torn off"),
    "fire": ("a wildfire", "the blaze", "flames spread through the hills"),
    "strike": ("a strike", "the walkout", "factories stood idle"),
    "closure": ("the closure of a steel plant", "the shutdown", "the plant's furnaces were switched off"),
}
# filler around the figures; {place}, {when} and {who} vary, so sentences rarely repeat word for word
FILLER = [
    "Residents of {place} described scenes of confusion as emergency crews arrived {when}.",
    "Officials urged people to stay away from {place} until further notice, {who} said.",
    "Schools in {place} remained closed {when} and public transport was suspended.",
    "Volunteers set up kitchens in church halls and sports centres across {place}.",
    "{who} said the government would review the response once the emergency in {place} was over.",
    "Local businesses in {place} reported heavy losses {when}, and insurers said claims were arriving.",
    "Aid agencies warned {when} that the full picture in {place} would take days to emerge.",
    "Opposition politicians criticised the warning system in {place}, saying it had come too late.",
    "Television images {when} showed streets of {place} covered in mud and debris.",
    "Engineers were inspecting bridges and roads around {place} before they could be reopened.",
    "Many families from {place} spent the night in cars or with relatives, {who} said.",
    "The weather service said conditions around {place} were expected to improve {when}.",
]
WHEN = ["in the early hours", "on Monday", "on Tuesday", "overnight", "later in the week", "by the weekend",
        "on Friday", "in the afternoon", "this morning", "at dawn"]


def town(rng: random.Random) -> str:
    """An invented place name: two or three syllables, capitalised."""
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3)))).capitalize()


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def article(rng: random.Random, event: dict, day: int, outlet: str) -> tuple[str, str]:
    """(title, text) of one report on an event, `day` days after it began."""
    kind, place, region = event["kind"], event["place"], event["region"]
    noun, cause, scene = EVENTS[kind]
    date = event["start"] + dt.timedelta(days=day)
    dead = event["dead"] + day * rng.randint(0, 9)  # tolls rise from report to report
    injured = dead * rng.randint(3, 8) + rng.randint(0, 40)
    evacuated = rng.choice((1200, 4500, 12000, 30000, 85000)) + rng.randint(0, 900)
    damage = rng.choice((3.5, 12, 40, 120, 450))
    said = f"{event['official']}, {rng.choice(ROLES)},"
    lines = [
        f"{place}, {date:%B} {date.day} — At least {dead} people were killed and {injured} injured after {noun} "
        f"hit {place} in the {region} region, officials said on {date:%A}.",
        f"{cause.capitalize()} struck on {event['start']:%B} {event['start'].day}, and {scene}.",
        f"About {evacuated:,} people were evacuated from their homes, {said} told reporters.",
        f"The damage was estimated at ${damage} million, according to the regional authorities.",
    ]
    optional = [
        f"In {event['suburb']}, {rng.randint(2, 60)} people died and {rng.randint(5, 300)} were injured, the "
        f"hospital said.",
        f"Rescue teams searched an area of {rng.randint(5, 400)} square kilometres, moving {rng.randint(2, 40)} "
        f"miles ({rng.randint(3, 64)} kilometers) along the valley.",
        f"Rainfall reached {rng.randint(40, 400)} millimetres in {rng.randint(6, 72)} hours." if kind in
        ("flood", "storm") else f"The {kind} affected {rng.randint(2, 90)} percent of the district's homes.",
        f"{person(rng)}, a resident, said {rng.randint(2, 30)} houses on her street were destroyed.",
        f"The death toll rose to {dead + rng.randint(1, 20)} on {(date + dt.timedelta(days=1)):%A}, the ministry "
        f"said, up from {dead}.",
        f"Some {rng.randint(100, 5000):,} soldiers and {rng.randint(20, 400)} fire engines were deployed.",
        f"{rng.randint(1, 30)} schools and {rng.randint(1, 12)} hospitals were damaged, {said} added.",
        f"Power was cut to {rng.randint(1000, 250000):,} households, the utility company said.",
        f"The government pledged {rng.randint(5, 500)} million dollars in emergency aid.",
        f"At least {rng.randint(10, 2000):,} jobs were lost as {rng.randint(2, 40)} companies halted work.",
    ]
    rng.shuffle(optional)
    body = lines + optional[:rng.randint(5, 9)]
    for _ in range(rng.randint(8, 14)):
        body.insert(rng.randint(1, len(body)), rng.choice(FILLER).format(
            place=rng.choice((place, event["suburb"], region)), when=rng.choice(WHEN), who=person(rng)))
    title = f"{noun.capitalize()} in {place}: {dead} dead, {evacuated:,} evacuated"
    paragraphs, para = [], []
    for sentence in body:
        para.append(sentence)
        if len(para) >= rng.randint(2, 4):
            paragraphs.append(" ".join(para))
            para = []
    if para:
        paragraphs.append(" ".join(para))
    return title, title + "\n\n" + "\n\n".join(paragraphs) + "\n"


def generate(out: Path, articles: int, seed: int = 7) -> list[Path]:
    """Write `articles` reports (about 6 per event) and sources.csv into out; returns the article files."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    rows = []
    events = []
    for i in range(articles):
        if i % 6 == 0:
            place = town(rng)
            events.append({"kind": rng.choice(sorted(EVENTS)), "place": place, "region": town(rng),
                           "suburb": town(rng), "official": person(rng), "dead": rng.randint(0, 300),
                           "start": dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 1500))})
        event = events[-1]
        day = rng.randint(0, 5)
        outlet = rng.choice(OUTLETS)
        title, text = article(rng, event, day, outlet)
        path = out / f"{i // 1000:03d}" / f"report-{i:06d}.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        files.append(path)
        rows.append({"file": path.relative_to(out).as_posix(), "title": title, "outlet": outlet,
                     "published": (event["start"] + dt.timedelta(days=day)).isoformat(), "url": ""})
    with open(out / "sources.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["file", "title", "outlet", "published", "url"])
        writer.writeheader()
        writer.writerows(rows)
    return files


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path)
    p.add_argument("--articles", type=int, default=200)
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)
    files = generate(args.out, args.articles, args.seed)
    print(f"wrote {len(files)} articles to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
