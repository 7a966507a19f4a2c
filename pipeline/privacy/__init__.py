"""Personal data in calls (152-FZ): find it in a transcript, mask it for the roles that do not need it.

Clients say their names, phone numbers, addresses, card and passport numbers on sales calls. This
package finds them offline (`detect.detect_personal_data`: natasha's NER for names and places, rules
with checksums for numbers, street words for addresses), and masks a transcript, an evidence quote,
an analysis JSON or the audio for a role (`masking`, `tone`). Spans carry no text of their own, only
where they are, so a stored span is not one more copy of the personal data.
"""

from pipeline.privacy.spans import LABELS, PII_TYPES, PersonalSpan

__all__ = ["LABELS", "PII_TYPES", "PersonalSpan"]
