"""The demo community for the laptop default: members, boards and threads (``forum``), the
resource library (``library``), and ``manage.py seed_demo``, which loads them through the real
services. It stands above every other room and nothing imports it.
"""
