"""The checks themselves, each registered in `checks.registry`: they read the dialogue and the text
and write findings. Nothing below `checks.rules` imports them."""
