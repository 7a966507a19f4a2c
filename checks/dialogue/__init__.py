"""What the conversation says: the client's questions and the seller's answers, the values stated,
announced holds, sums and volumes, and the script stages found. Judges nothing: `checks.rules` does."""
