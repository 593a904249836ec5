"""What a clerk asks for, run through the stages: one workbook (``pipeline``), many (``batch``), two versions
compared (``diff``), next year's workbook started from this year's (``nextyear``); ``service`` is how every
front end runs one and words its outcome, ``workers`` the processes they run in."""
