"""`callqa calibrate`: the QA lead's review decisions as labels, and the standard they suggest.

- `labels`: a reviewed call as labels (stage present or absent, finding confirmed or dismissed),
  each with the decision it comes from;
- `source`: the reviewed calls of one standard, read from the database;
- `proposals`: new examples, counter-examples, thresholds and fact questions, each kept only
  when it separates the labelled calls better;
- `metrics`: stage and finding precision and recall on the labelled calls, before and after;
- `writer`: the proposal as a new version of the standard's YAML, comments kept.

Everything but `source` and `writer` is pure: labels in, proposals and counts out.
"""
