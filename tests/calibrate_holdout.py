"""Does what `callqa calibrate` learns from reviewed calls hold on calls it never saw? (A measurement, not a test.)

    .venv/bin/python tests/calibrate_holdout.py /work/sets/s22022 scripts_ref/stroydom.yaml

The set's calls (ground-truth sidecars with `turns`) are split by their sorted names: the even
ones are "reviewed", the odd ones held out. Each reviewed call is analysed on the truth's own
words with the standard, stored in a fresh SQLite database, and reviewed as a QA lead who knows
the truth would: a stage detected otherwise than the truth says is marked present or absent, a
finding with no true one of its type within 3 s is dismissed, the others confirmed, and the call
is marked reviewed. `callqa calibrate` then proposes a new version from those reviews, and
`callqa eval --reference` scores both versions on the held-out calls.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("CALLQA_VECTOR_CACHE", "off")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.startup import import_spacy  # noqa: E402

import_spacy()

from checks.analyze import analyze_transcript  # noqa: E402
from checks.standard import Standard, load_standard  # noqa: E402
from pipeline.calibration.metrics import all_stages  # noqa: E402
from pipeline.calibration.run import calibrate, describe  # noqa: E402
from pipeline.evaluate import TIME_TOLERANCE_S, EvalReport, evaluate_folder, reference_transcript  # noqa: E402
from pipeline.records import Finding, Recording  # noqa: E402
from pipeline.settings import TranscriptionOptions  # noqa: E402
from pipeline.storage.db import open_database  # noqa: E402
from pipeline.storage.repository import save_analysis, upsert_recording  # noqa: E402
from pipeline.storage.reviews import add_user, record_action  # noqa: E402


def _true(finding: Finding, truth: dict) -> bool:
    return any(t["type"] == finding.type and t["start"] - TIME_TOLERANCE_S <= finding.end
               and finding.start - TIME_TOLERANCE_S <= t["end"] for t in truth.get("findings", []))


def review_as_the_truth_says(url: str, paths: list[Path], standard: Standard) -> None:
    sessions = open_database(url)
    with sessions.begin() as session:
        lead = add_user(session, "lead", "qa_lead", "lead-pass-1")
        for path in paths:
            truth = json.loads(path.read_text(encoding="utf-8"))
            transcript = reference_transcript(truth, path)
            analysis = analyze_transcript(transcript, standard, path.name)
            upsert_recording(session, Recording(str(path), path.name.ljust(64, "0")[:64], 1),
                             duration_s=transcript.duration_s, channels=2)
            aid = save_analysis(session, path.name.ljust(64, "0")[:64], analysis)
            for hit in analysis.stages:
                said = truth["stages"].get(hit.stage_id)
                if said is not None and bool(said) != hit.present:
                    record_action(session, lead, aid, "stage_present" if said else "stage_absent", stage_id=hit.stage_id)
            for i, finding in enumerate(analysis.findings):
                if finding.type in ("missing_stage", "stage_order"):
                    continue  # the stage marks say it
                record_action(session, lead, aid, "confirm_finding" if _true(finding, truth) else "dismiss_finding",
                              finding_idx=i)
            record_action(session, lead, aid, "mark_reviewed")


def held_out(folder: Path, paths: list[Path], standard: Standard) -> EvalReport:
    folder.mkdir()
    for path in paths:
        (folder / path.name).symlink_to(path)
    return evaluate_folder(folder, standard, TranscriptionOptions(), reference=True)


def line(name: str, report: EvalReport) -> str:
    total = all_stages(report)
    per_stage = ", ".join(f"{k} {c.recall:.2f}" for k, c in sorted(report.stages.items()) if c.recall is not None)
    findings = "; ".join(f"{kind} P {_ratio(c.precision)} R {_ratio(c.recall)} (TP {c.tp} FP {c.fp} FN {c.fn})"
                         for kind, c in sorted(report.findings.items())
                         if kind in ("missing_stage", "wrong_answer", "ignored_question"))
    return (f"{name}: stages P {total.precision:.2f} R {total.recall:.2f} (TP {total.tp} FP {total.fp} FN {total.fn}); "
            f"recall {per_stage}; {findings}")


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def main(folder: Path, standard_file: Path) -> None:
    truths = sorted(folder.glob("*.truth.json"))
    reviewed, unseen = truths[::2], truths[1::2]
    work = Path(tempfile.mkdtemp(prefix="calibrate-holdout-"))
    standard = load_standard(standard_file)
    url = f"sqlite:///{work / 'reviews.db'}"
    review_as_the_truth_says(url, reviewed, standard)
    started = time.perf_counter()
    result = calibrate(standard_file, standard, url, work / "proposed.yaml")
    print(f"calibrate on {len(reviewed)} reviewed calls: {time.perf_counter() - started:.1f} s, "
          f"{len(result.calibration.proposals)} proposals")
    for proposal in result.calibration.proposals:
        print("  proposed:", describe(proposal))
    for note in result.calibration.notes:
        print("  not proposed:", note)
    row = result.rows[0]
    print(f"reviewed calls, all stages: P {row.before.precision:.2f} → {row.after.precision:.2f}, "
          f"R {row.before.recall:.2f} → {row.after.recall:.2f}")
    if result.out is None:
        return
    proposed = load_standard(result.out)
    print(line(f"held out ({len(unseen)}), before", held_out(work / "before", unseen, standard)))
    print(line(f"held out ({len(unseen)}), after", held_out(work / "after", unseen, proposed)))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
