"""Sentence meaning for the checks, offline: lines compared by what they say, not only by their words.

- `encoder`: the sentence encoder (USE multilingual v3 from a PyPI package), cached vectors;
- `store`: the vectors on disk, keyed by the model and the text;
- `index`: labelled examples with thresholds calibrated from the examples and neutral lines;
- `neutral`: everyday call lines that belong to no stage;
- `calls`: one call's line vectors, and the standard's stage and fact indexes.
"""
