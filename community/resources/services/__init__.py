"""Writes to the library, one module per subdomain: ``suggestions`` (members suggest, fix and
take back), ``curation`` (curators publish, edit, archive and review), ``reading`` (a member's
saved list and "this helped me"); ``changes`` sets a resource's fields for both, and
``common`` holds the checks every write starts with. Callers import the submodule they use.
"""
