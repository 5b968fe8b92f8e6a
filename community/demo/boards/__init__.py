"""The demo boards and their threads, a module for each group of boards."""
