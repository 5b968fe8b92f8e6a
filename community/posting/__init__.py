"""Posting: the writes members make every day (starting a thread, replying, editing,
withdrawing), which bring several rooms together: the forum's threads and counters, the
moderation's screening, limits and trust, the notifications' fan-out and the library's links.

It sits above all of them, so none of them needs to know about the others.
"""
