"""Whether a sentence asks, judged by its words' meaning rather than by its «?».

Whisper writes «?» where it hears a voice rise and drops it where it does not, so on the phone the
mark is a weak sign both ways: «Ну, где-то четыре пары?» answers the seller, «а гарантия на него
какая» asks. A logistic model over the sentence encoder's vectors reads the words alone (it is fitted
on sentences with their punctuation removed), from the phrase banks of companies written by people
who never saw the checks (`checks.meaning.question_fitting` fits it and says how well it carries
over to a company left out). Its two cut-offs are calibrated on the sentences of companies left out:
under `tells_below` few questions fall, above `asks_above` few statements rise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from checks.meaning.encoder import MODEL_NAME
from checks.meaning.logistic import sigmoid

MODEL_PATH = Path(__file__).with_name("question_model.json")


@dataclass(frozen=True)
class QuestionModel:
    encoder: str  # the sentence encoder whose vectors the weights read (`checks.meaning.encoder.MODEL_NAME`)
    weights: np.ndarray
    bias: float
    tells_below: float  # a sentence this unlikely to ask tells, whatever its mark
    asks_above: float  # a sentence this likely to ask asks, mark or not
    fitted_on: tuple[str, ...]  # the phrase banks it learnt from: a company among them is no test of it

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """One probability of asking per row of unit vectors."""
        return sigmoid(vectors @ self.weights + self.bias)

    def to_json(self) -> dict[str, object]:
        return {"encoder": self.encoder, "bias": self.bias, "tells_below": self.tells_below,
                "asks_above": self.asks_above, "fitted_on": list(self.fitted_on),
                "weights": [round(float(w), 6) for w in self.weights]}

    @classmethod
    def from_json(cls, data: dict[str, object], source: Path) -> QuestionModel:
        try:
            return cls(str(data["encoder"]), np.asarray(data["weights"], dtype=np.float32), float(data["bias"]),  # type: ignore[arg-type]
                       float(data["tells_below"]), float(data["asks_above"]), tuple(data["fitted_on"]))  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{source}: not a question model ({exc})") from exc


@lru_cache(maxsize=1)
def question_model(path: Path = MODEL_PATH) -> QuestionModel:
    model = QuestionModel.from_json(json.loads(path.read_text(encoding="utf-8")), path)
    if model.encoder != MODEL_NAME:
        raise ValueError(f"{path}: the question model reads {model.encoder} vectors, the encoder is {MODEL_NAME}; "
                         "refit it (python -m checks.meaning.question_fitting)")
    return model
