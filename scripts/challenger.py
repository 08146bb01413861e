"""Fork a challenger from a scoring model's rules, or promote a challenger in place of its champion.

A challenger is a proposed rule set scored side by side with a live (champion) scoring model, on
the same contacts, so that BI can compare the two before anyone switches (README, "Champion and
challenger"). Its rules are a full copy of the champion's rows in every rule seed (the CSV files
of --seeds-dir with a scoring_model_id column), under its own scoring_model_id and with the
champion's rule ids; its row in scoring_models.csv names the champion in challenger_of.

    scripts/challenger.py fork --from platform --name platform_next
    scripts/challenger.py fork --from platform --name platform_next --description "Pricing counts more"
    scripts/challenger.py promote --name platform_next

fork only appends rows: then edit the challenger's rows and rebuild (`make build`). promote
rewrites the seeds: the champion's rows are replaced by the challenger's (under the champion's id,
where the champion's rows were; the champion keeps its name and description in
scoring_models.csv, with the challenger's numbers), and the challenger's rows are removed. The
header and every other row stay byte for byte as they were, and so does every champion row the
challenger left unchanged: promoting an unchanged fork gives back the original files.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SEEDS_DIR = Path("seeds/rules")
MODELS_SEED = "scoring_models.csv"
MODEL_COLUMN = "scoring_model_id"
CHALLENGER_COLUMN = "challenger_of"
# the columns of scoring_models.csv that name a model rather than shape its scores: a promoted
# challenger takes the champion's, and rules_version leaves them out
NAMING_COLUMNS = ("scoring_model_id", "scoring_model_name", "challenger_of", "description")
MODEL_ID = re.compile(r"[a-z][a-z0-9_]*")


class ChallengerError(Exception):
    """A request the seeds do not allow; the message says why."""


@dataclass
class Record:
    """One CSV record: its text as in the file (line ending included) and its values."""

    text: str
    values: list[str]


@dataclass
class Seed:
    path: Path
    header: list[str]
    records: list[Record]  # the header first
    newline: str

    @classmethod
    def read(cls, path: Path) -> Seed:
        with path.open(newline="", encoding="utf-8") as handle:
            text = handle.read()
        records = list(split_records(text))
        if not records:
            raise ChallengerError(f"{path} is empty: it needs at least a header")
        header = records[0]
        newline = "\r\n" if header.text.endswith("\r\n") else "\n"
        return cls(path, [name.strip() for name in header.values], records, newline)

    def column(self, name: str) -> int:
        return self.header.index(name)

    def model_of(self, record: Record) -> str | None:
        index = self.column(MODEL_COLUMN)
        return record.values[index].strip() if len(record.values) > index else None

    def rows_of(self, model: str) -> list[Record]:
        return [record for record in self.records[1:] if self.model_of(record) == model]

    def render(self, values: list[str]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator=self.newline).writerow(values)
        return buffer.getvalue()

    def text(self) -> str:
        return "".join(record.text for record in self.records)


def split_records(text: str):
    """The CSV records of a text, each with its exact text, so that rows can be kept byte for byte."""
    lines = io.StringIO(text, newline="")
    consumed: list[str] = []

    def feed():
        for line in lines:
            consumed.append(line)
            yield line

    for values in csv.reader(feed()):
        yield Record("".join(consumed), values)
        consumed.clear()


def read_rule_seeds(seeds_dir: Path) -> dict[str, Seed]:
    """Every seed of the directory that has a scoring_model_id column, by file name."""
    if not (seeds_dir / MODELS_SEED).is_file():
        raise ChallengerError(f"{seeds_dir / MODELS_SEED} does not exist (--seeds-dir is {seeds_dir})")
    seeds = {}
    for path in sorted(seeds_dir.glob("*.csv")):
        seed = Seed.read(path)
        if MODEL_COLUMN in seed.header:
            seeds[path.name] = seed
    models = seeds.get(MODELS_SEED)
    if models is None:
        raise ChallengerError(f"{seeds_dir / MODELS_SEED} has no {MODEL_COLUMN} column")
    if CHALLENGER_COLUMN not in models.header:
        raise ChallengerError(
            f"{models.path} has no {CHALLENGER_COLUMN} column: add it, empty for every existing model"
        )
    return seeds


def model_row(models: Seed, model: str) -> Record | None:
    rows = models.rows_of(model)
    return rows[0] if rows else None


def line_of(seed: Seed, record: Record) -> int:
    """The line a record starts on (the header is line 1)."""
    line = 1
    for other in seed.records:
        if other is record:
            return line
        line += other.text.count("\n") or 1
    raise ValueError("record not in seed")


def model_ids(models: Seed) -> list[str]:
    return [model for record in models.records[1:] if (model := models.model_of(record))]


def challenger_of(models: Seed, record: Record) -> str:
    index = models.column(CHALLENGER_COLUMN)
    return record.values[index].strip() if len(record.values) > index else ""


def padded(values: list[str], length: int) -> list[str]:
    return values + [""] * (length - len(values))


def renamed(seed: Seed, record: Record, model: str) -> list[str]:
    values = list(record.values)
    values[seed.column(MODEL_COLUMN)] = model
    return values


def write_seeds(seeds: list[Seed]) -> None:
    """Write every seed beside its file first, then move each into place."""
    written = []
    try:
        for seed in seeds:
            temporary = seed.path.with_name(f".{seed.path.name}.tmp")
            written.append((temporary, seed.path))
            with temporary.open("w", newline="", encoding="utf-8") as handle:
                handle.write(seed.text())
    except BaseException:
        # a seed that cannot be written leaves every file as it was, and no temporary behind
        for temporary, _path in written:
            temporary.unlink(missing_ok=True)
        raise
    for temporary, path in written:
        os.replace(temporary, path)


def fork(seeds_dir: Path, champion: str, name: str, description: str | None) -> list[str]:
    """Append a copy of the champion's rows under `name` to every rule seed; return what was done."""
    if not MODEL_ID.fullmatch(name):
        raise ChallengerError(
            f"--name {name!r} is not a valid scoring_model_id: lower-case letters, digits and "
            "underscores, starting with a letter"
        )
    seeds = read_rule_seeds(seeds_dir)
    models = seeds[MODELS_SEED]
    existing = model_row(models, name)
    if existing is not None:
        raise ChallengerError(
            f"{name!r} is already a scoring model ({models.path}:{line_of(models, existing)}): "
            "choose another --name, or promote or remove that one first"
        )
    leftovers = [f"{seed.path} ({len(seed.rows_of(name))})" for seed in seeds.values() if seed.rows_of(name)]
    if leftovers:
        raise ChallengerError(f"rows of {name!r} are already in {', '.join(leftovers)}: remove them first")
    champion_row = model_row(models, champion)
    if champion_row is None:
        raise ChallengerError(
            f"there is no scoring model {champion!r} to fork in {models.path}; "
            f"the scoring models are: {', '.join(model_ids(models))}"
        )
    if champion_of := challenger_of(models, champion_row):
        raise ChallengerError(
            f"{champion!r} is itself a challenger (of {champion_of!r}): a challenger forks from a "
            f"champion, e.g. --from {champion_of}"
        )

    done = []
    changed = []
    for file_name, seed in seeds.items():
        if file_name == MODELS_SEED:
            values = renamed(seed, champion_row, name)
            champion_name = champion_row.values[seed.column("scoring_model_name")]
            values[seed.column("scoring_model_name")] = f"{champion_name} ({name})"
            values[seed.column(CHALLENGER_COLUMN)] = champion
            values[seed.column("description")] = (
                description
                or f"Challenger of {champion}: a proposed change to its rules, scored side by side"
            )
            new_rows = [values]
        else:
            new_rows = [renamed(seed, record, name) for record in seed.rows_of(champion)]
        if not new_rows:
            continue
        if not seed.records[-1].text.endswith(("\n", "\r")):
            seed.records[-1].text += seed.newline
        seed.records.extend(Record(seed.render(values), values) for values in new_rows)
        changed.append(seed)
        done.append(f"{seed.path}: {len(new_rows)} row(s) of {name} added")
    write_seeds(changed)
    return done


def promote(seeds_dir: Path, name: str) -> list[str]:
    """Replace the champion's rows with those of challenger `name`; return what was done."""
    seeds = read_rule_seeds(seeds_dir)
    models = seeds[MODELS_SEED]
    challenger_row = model_row(models, name)
    if challenger_row is None:
        raise ChallengerError(
            f"there is no scoring model {name!r} to promote in {models.path}; "
            f"the scoring models are: {', '.join(model_ids(models))}"
        )
    champion = challenger_of(models, challenger_row)
    if not champion:
        raise ChallengerError(
            f"{name!r} is not a challenger ({CHALLENGER_COLUMN} is empty in "
            f"{models.path}:{line_of(models, challenger_row)}): there is nothing to promote it over"
        )
    champion_row = model_row(models, champion)
    if champion_row is None:
        raise ChallengerError(
            f"{name!r} challenges {champion!r}, which is not a scoring model in {models.path}"
        )

    done = []
    changed = []
    for file_name, seed in seeds.items():
        champion_rows = seed.rows_of(champion)
        challenger_rows = seed.rows_of(name)
        if not champion_rows and not challenger_rows:
            continue
        if file_name == MODELS_SEED:
            # the champion keeps its name and description, and takes the challenger's numbers
            naming = {seed.column(column) for column in NAMING_COLUMNS}
            champion_values = padded(champion_row.values, len(seed.header))
            challenger_values = padded(challenger_row.values, len(seed.header))
            replacements = [[
                champion_values[index] if index in naming else challenger_values[index]
                for index in range(len(seed.header))
            ]]  # fmt: skip
        else:
            replacements = [renamed(seed, record, champion) for record in challenger_rows]
        records = replace_rows(seed, champion_rows, challenger_rows, replacements)
        kept = len({id(record) for record in champion_rows} & {id(record) for record in records})
        seed.records = records
        changed.append(seed)
        done.append(
            f"{seed.path}: {champion} takes the {len(replacements)} row(s) of {name} "
            f"({len(replacements) - kept} differ from its own); {name}'s rows removed"
        )
    write_seeds(changed)
    return done


def replace_rows(
    seed: Seed, champion_rows: list[Record], challenger_rows: list[Record], replacements: list[list[str]]
) -> list[Record]:
    """The seed's records with the champion's rows replaced by `replacements`, in the champion's
    places (extra ones after its last row; where the champion has none, in the challenger's), and
    the challenger's rows removed. A replacement equal to a champion row keeps that row's text."""
    unchanged: dict[tuple[str, ...], list[Record]] = defaultdict(list)
    for record in champion_rows:
        unchanged[tuple(record.values)].append(record)
    new_rows = []
    for values in replacements:
        same = unchanged.get(tuple(values))
        new_rows.append(same.pop(0) if same else Record(seed.render(values), values))

    slots = champion_rows or challenger_rows
    slot_of = {id(record): position for position, record in enumerate(slots)}
    removed = {id(record) for record in champion_rows + challenger_rows}
    records = []
    for record in seed.records:
        position = slot_of.get(id(record))
        if position is None:
            if id(record) not in removed:
                records.append(record)
            continue
        if position < len(new_rows):
            records.append(new_rows[position])
        if position == len(slots) - 1:
            records.extend(new_rows[len(slots) :])
    return records


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--seeds-dir", type=Path, default=DEFAULT_SEEDS_DIR,
        help="the rule seeds, with scoring_models.csv (default: %(default)s)",
    )  # fmt: skip
    commands = parser.add_subparsers(dest="command", required=True)
    fork_parser = commands.add_parser(
        "fork", help="append a copy of a champion's rules as a new challenger",
        description="Append a copy of a champion's rows in every rule seed, under a new scoring_model_id.",
    )  # fmt: skip
    fork_parser.add_argument("--from", dest="champion", required=True, help="the champion's scoring_model_id")
    fork_parser.add_argument("--name", required=True, help="the challenger's scoring_model_id (new)")
    fork_parser.add_argument("--description", help="what the challenger proposes (scoring_models.csv)")
    promote_parser = commands.add_parser(
        "promote", help="replace a champion's rules with its challenger's",
        description="Replace the champion's rows with the challenger's, and remove the challenger.",
    )  # fmt: skip
    promote_parser.add_argument("--name", required=True, help="the challenger's scoring_model_id")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.command == "fork":
            done = fork(args.seeds_dir, args.champion, args.name, args.description)
            next_step = (
                f"Edit the rows of {args.name} in {args.seeds_dir}, then rebuild (make build) and compare "
                f"in marts.rpt_challenger_comparison."
            )
        else:
            done = promote(args.seeds_dir, args.name)
            next_step = "Rebuild (make build): the champion now scores with the promoted rules."
    except ChallengerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print("\n".join([*done, next_step]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
