"""Seller and client for each line of a mono call, from the voice, the words and the dialogue.

Whisper hears the whole stream (`mono.hear_in_halves`); its lines are cut into pieces at sentence
ends and at pauses (where a change of speaker can fall). Each piece is then weighed three ways:

- the voice: the prints' lean towards one voice over the piece (`Diarization.leans`),
  stronger the more seconds of prints it has;
- the words: how much more it sounds like a seller's line than a client's (`text_roles`);
- the dialogue: the one who answered the call speaks first, and after a question the other
  one speaks more often than not.

A two-state hidden Markov model over the pieces (seller, client) puts them together; which
voice is the seller the words of the pieces each voice is sure of say, with who spoke first
(`_seller_voice`). Forward-backward
gives each piece how sure its role is; a piece under `min_posterior` stays `unknown`.

The weights are log-odds per unit of each score; `RoleWeights` says where they come from.
With one voice by the prints (their two halves alike), a second speaker is accepted only when
the words' split of the lines also splits the voice prints, better than almost every random
split of the same lines (`max_chance`): a lone voice's prints follow nothing its words say,
and it must not be turned into two people.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.records import Utterance, Word
from pipeline.diarization.turns import STEP_S, step_span
from pipeline.vad import Region

SELLER, CLIENT, UNKNOWN = 0, 1, -1
_ENDS = (".", "?", "!", "…")


@dataclass(frozen=True)
class RoleWeights:
    # per unit of lean / `sure_lean` (capped), times sqrt(seconds of prints) (capped), times how far
    # apart the two voices are (1 - the cosine of their centroids): the same lean says more in a
    # call whose voices are distinct. 66 and 8.7 are the logistic fit on 259 pieces of 16 dev calls
    # (shiny_dev 01-16, shifts 100-400 cents), the voices mapped by the truth; per shift the voice's
    # came out 43-98 and the words' 9-14
    voice: float = 66.0
    sure_lean: float = 0.12
    voice_cap_s: float = 4.0
    text: float = 8.7  # per unit of seller likeness (about -0.3..0.3)
    first_seller: float = 2.0  # log-odds that the first piece is the seller's (the first speaker in 10 of 10)
    switch: float = 0.41  # chance the next piece is the other speaker's (dev pieces: 0.41)
    switch_after_question: float = 0.76  # (dev pieces: 0.76 after a line ending in «?»)
    min_posterior: float = 0.6
    pause_split_s: float = 0.3  # a pause between words this long may be a change of speaker
    # `role_regions`: on the 16 dev calls 1.0 s put 97.8 / 97.6% of speech on the right role at
    # 250 / 400 cents, against 94.8 / 94.3% with none
    fill_gap_s: float = 1.0
    # with one voice by the prints: two speakers only when the words' split of the call separates
    # the voice prints better than this share of random splits of the same pieces (a permutation
    # test). On 12 lone voices (each channel of 6 dev calls alone) 1 came under 0.05, none under 0.02
    max_chance: float = 0.02
    shuffles: int = 300


@dataclass(frozen=True)
class Piece:
    start: float
    end: float
    words: tuple[Word, ...]
    turn: int  # the Whisper line it came from

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass(frozen=True)
class Roles:
    pieces: tuple[Piece, ...]
    role: tuple[int, ...]  # SELLER, CLIENT or UNKNOWN per piece
    posterior: tuple[float, ...]  # how sure, per piece
    voices: int
    note: str


def pieces_of(lines: Sequence[Utterance], pause_split_s: float) -> list[Piece]:
    out: list[Piece] = []
    for turn, line in enumerate(lines):
        words = line.words or (Word(line.start, line.end, line.text),)
        current: list[Word] = []
        for word, after in zip(words, list(words[1:]) + [None]):
            current.append(word)
            if after is None or word.text.rstrip().endswith(_ENDS) or after.start - word.end >= pause_split_s:
                out.append(Piece(current[0].start, current[-1].end, tuple(current), turn))
                current = []
    return out


def piece_leans(pieces: Sequence[Piece], leans: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per piece: the mean lean towards voice 0 over its steps, and the seconds that have prints."""
    mean, seconds = np.zeros(len(pieces)), np.zeros(len(pieces))
    for i, p in enumerate(pieces):
        a, b = step_span(p.start, p.end)
        part = leans[a:b] if a < len(leans) else np.zeros(0)
        part = part[~np.isnan(part)]
        if len(part):
            mean[i], seconds[i] = float(part.mean()), len(part) * STEP_S
    return mean, seconds


def _forward_backward(log_odds: np.ndarray, switch: np.ndarray, first: float) -> tuple[np.ndarray, float]:
    """P(seller) per piece, and the log-likelihood of the whole sequence.

    `log_odds[i]`: evidence for seller over client; `switch[i]`: chance piece i+1 changes speaker."""
    n = len(log_odds)
    emit = np.stack([1 / (1 + np.exp(-log_odds)), 1 / (1 + np.exp(log_odds))], axis=1)
    prior = np.array([1 / (1 + math.exp(-first)), 1 / (1 + math.exp(first))])
    alpha, beta, scale = np.zeros((n, 2)), np.ones((n, 2)), np.zeros(n)
    alpha[0] = prior * emit[0]
    scale[0] = alpha[0].sum()
    alpha[0] /= scale[0]
    trans = [np.array([[1 - s, s], [s, 1 - s]]) for s in switch]
    for i in range(1, n):
        alpha[i] = (alpha[i - 1] @ trans[i - 1]) * emit[i]
        scale[i] = alpha[i].sum()
        alpha[i] /= scale[i]
    for i in range(n - 2, -1, -1):
        beta[i] = trans[i] @ (emit[i + 1] * beta[i + 1])
        beta[i] /= scale[i + 1]
    post = alpha * beta
    post /= post.sum(axis=1, keepdims=True)
    return post[:, 0], float(np.log(scale).sum())


def give_roles(lines: Sequence[Utterance], leans: np.ndarray, voices: int, similarity: float,
               seller_likeness: Callable[[list[str]], np.ndarray],
               weights: RoleWeights = RoleWeights(), prints: np.ndarray | None = None,
               windows: np.ndarray | None = None, neither: np.ndarray | None = None) -> Roles:
    """`leans` and `similarity` are the diarization's (`Diarization.leans`, `centroid_similarity`);
    its window `prints` and `windows` test a one-voice call's split by the words. A piece whose
    prints are mostly of neither main voice (`Diarization.neither`: a third voice) stays `unknown`."""
    pieces = pieces_of(lines, weights.pause_split_s)
    if not pieces or voices == 0:
        return Roles(tuple(pieces), (UNKNOWN,) * len(pieces), (0.0,) * len(pieces), voices, "")
    lean, seconds = piece_leans(pieces, leans)
    voice = (np.clip(lean / weights.sure_lean, -1.5, 1.5) * np.sqrt(np.minimum(seconds, weights.voice_cap_s))
             * max(0.0, 1.0 - similarity))
    text = weights.text * seller_likeness([p.text for p in pieces])
    switch = np.array([weights.switch_after_question if p.text.rstrip().endswith("?") else weights.switch
                       for p in pieces[:-1]])
    sign = _seller_voice(weights.voice * voice, text, weights.first_seller)
    p_seller, _ = _forward_backward(sign * weights.voice * voice + text, switch, weights.first_seller)
    role = np.where(p_seller >= 0.5, SELLER, CLIENT)
    posterior = np.maximum(p_seller, 1 - p_seller)
    note = ""
    if voices == 1:
        words_only, _ = _forward_backward(text, switch, weights.first_seller)
        chance = _split_chance(words_only >= 0.5, pieces, prints, windows, weights.shuffles)
        if chance > weights.max_chance:
            # one voice, and the words' split of it is no truer to the prints than chance: one speaker
            return Roles(tuple(pieces), (UNKNOWN,) * len(pieces), (0.0,) * len(pieces), 1,
                         f"the words' split of the lines parts the voice prints no better than {chance:.0%} "
                         "of random splits: one speaker")
        note = f"the words split the call, and the voice prints follow that split (chance {chance:.1%}): two voices"
    role = np.where(posterior >= weights.min_posterior, role, UNKNOWN)
    if neither is not None:
        third = piece_leans(pieces, neither)[0] > 0.5
        role, posterior = np.where(third, UNKNOWN, role), np.where(third, 0.0, posterior)
    return Roles(tuple(pieces), tuple(int(r) for r in role), tuple(float(p) for p in posterior), 2, note)


def _seller_voice(voice_odds: np.ndarray, text_odds: np.ndarray, first_seller: float) -> int:
    """1 when voice 0 is the seller's, else -1. Each piece's words vote for its voice, as far as
    the voice is sure of the piece, and the first piece a voice is sure of is the one who answered.
    The whole call's likelihood under each mapping decided this before: there a sure voice saturates
    its pieces' odds and hides their words, and the call's first piece (a 0.2 s «Да,» with hardly a
    print) decided alone, swapping a call whose greeting followed it."""
    sure = np.tanh(voice_odds / 2)  # 2 P(voice 0) - 1
    first = next((float(s) for s in sure if abs(s) >= 0.5), 0.0)
    return 1 if float((sure * text_odds).sum()) + first_seller * np.sign(first) >= 0 else -1


def _split_chance(seller: np.ndarray, pieces: Sequence[Piece], prints: np.ndarray | None,
                  windows: np.ndarray | None, shuffles: int) -> float:
    """The share of random splits of the pieces (the same sizes) whose two voices' centroids are
    at least as far apart as the split `seller` gives; 1 where it cannot be told."""
    if prints is None or windows is None or len(prints) < 2 or seller.all() or not seller.any():
        return 1.0
    middles = windows.mean(axis=1)
    piece_of = np.full(len(prints), -1)
    for i, piece in enumerate(pieces):
        piece_of[(middles >= piece.start) & (middles <= piece.end)] = i
    inside = piece_of >= 0
    unit = prints[inside] / np.maximum(np.linalg.norm(prints[inside], axis=1, keepdims=True), 1e-9)
    piece_of = piece_of[inside]

    def similarity(labels: np.ndarray) -> float:
        side = labels[piece_of]
        if side.all() or not side.any():
            return 1.0
        a, b = unit[side].mean(axis=0), unit[~side].mean(axis=0)
        return float(a @ b / max(float(np.linalg.norm(a) * np.linalg.norm(b)), 1e-12))

    observed = similarity(seller)
    rng = np.random.default_rng(0)  # the same call always gets the same answer
    return float(np.mean([similarity(rng.permutation(seller)) <= observed for _ in range(shuffles)]))


def role_regions(roles: Roles, voice: Sequence[Region], reach_s: float = 0.5,
                 fill_gap_s: float = 0.0) -> dict[int, tuple[Region, ...]]:
    """Each role's stretches of the call: a step of speech takes the role of the nearest piece
    in reach (Whisper's word times are tighter than the voice), else `unknown`; a pause of up to
    `fill_gap_s` between two pieces of one role is that role's turn (the mix's voice detector,
    its noise floor raised by both lines, loses the quiet ends of words there)."""
    ends = [end for _, end in voice] + [p.end for p in roles.pieces]
    if not ends:
        return {SELLER: (), CLIENT: (), UNKNOWN: ()}
    n = int(math.ceil(max(ends) / STEP_S)) + 1
    who = np.full(n, -2)  # -2: no speech
    centre = np.full(n, np.inf)
    for start, end in voice:
        who[int(round(start / STEP_S)):int(round(end / STEP_S))] = UNKNOWN
    times = (np.arange(n) + 0.5) * STEP_S
    for piece, role in zip(roles.pieces, roles.role):
        distance = np.maximum(0.0, np.maximum(piece.start - times, times - piece.end))
        nearer = (distance < centre) & (distance <= reach_s) & (who != -2)
        who[nearer], centre[nearer] = role, distance[nearer]
    for (before, r0), (after, r1) in zip(zip(roles.pieces, roles.role), zip(roles.pieces[1:], roles.role[1:])):
        if r0 == r1 and r0 != UNKNOWN and 0 < after.start - before.end <= fill_gap_s:
            a, b = int(round(before.end / STEP_S)), int(round(after.start / STEP_S))
            who[a:b] = np.where(np.isin(who[a:b], (-2, UNKNOWN)), r0, who[a:b])
    out: dict[int, tuple[Region, ...]] = {}
    for label in (SELLER, CLIENT, UNKNOWN):
        mask = np.concatenate(([False], who == label, [False]))
        edges = np.flatnonzero(np.diff(mask.astype(int)))
        out[label] = tuple((round(a * STEP_S, 2), round(b * STEP_S, 2)) for a, b in zip(edges[::2], edges[1::2]))
    return out


def role_lines(roles: Roles) -> list[Utterance]:
    """One utterance per run of pieces of one Whisper line given the same role; its channel is
    the role's stream (0 seller, 1 client, 2 unknown), its confidence the runs' lowest."""
    out: list[Utterance] = []
    run: list[int] = []

    def close() -> None:
        if not run:
            return
        ws = tuple(w for i in run for w in roles.pieces[i].words)
        role = roles.role[run[0]]
        channel = {SELLER: 0, CLIENT: 1}.get(role, 2)
        speaker = {SELLER: "seller", CLIENT: "client"}.get(role, "unknown")
        out.append(Utterance(speaker, ws[0].start, ws[-1].end, " ".join(w.text for w in ws), ws, channel,
                             round(min(roles.posterior[i] for i in run), 2)))
        run.clear()

    for i, piece in enumerate(roles.pieces):
        if run and (roles.role[run[-1]] != roles.role[i] or roles.pieces[run[-1]].turn != piece.turn):
            close()
        run.append(i)
    close()
    return out
