"""Transports: one ISO-TP channel to one peer (kernel socket, userspace stack, in memory)."""
