"""Integrity tools: the checks that turn strict constraints into something people can work with.

Data flow: catalog model (what the schema promises) -> these scans over the rows (what the
data actually holds).  `orphans` finds child rows that point at no parent, `files` compares
file records with the files on disk, `impact` previews and confirms deletes, `messages`
turns constraint errors into sentences, `commands` wires them into the CLI.
"""
