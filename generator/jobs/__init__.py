"""What a clerk asks for, run through the stages: one workbook (``pipeline``), many (``batch``), two versions
compared (``diff``), next year's workbook started from this year's (``nextyear``)."""
