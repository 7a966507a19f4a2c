"""Coaching scorecards: per-seller and team reports over a period.

`queries` computes every figure (set-based SQL over each recording's latest
analysis), `period` turns months, weeks and dates into local-day bounds,
`charts` draws with matplotlib, `render` writes HTML, PDF and PNG, and
`current` writes the nightly folder of this week's reports.
"""
