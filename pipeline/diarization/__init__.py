"""Telling the seller from the client in a mono recording: speech windows, voice prints, two voices, turns."""
