"""Words before meaning: normalised text and lemmas, Russian numbers, phrase matching with evidence,
labelled cues and the terms a client names. Imports nothing of the checks but the standard."""
