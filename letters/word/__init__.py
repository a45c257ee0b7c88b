"""Word documents: the OOXML package, the template filled by docxtpl, the template check, the letter's template context."""
