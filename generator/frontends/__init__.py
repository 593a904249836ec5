"""The ways in: the command line (``cli``), the watcher (``watch``) and the local web page (``web``, ``uploads``)."""
