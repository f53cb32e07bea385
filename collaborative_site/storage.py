from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """
    Whitenoise's hashed, compressed static files, leaving source-map comments
    as they are: wagtail-nhsuk-frontend's stylesheet names a .map file it does
    not ship, and rewriting that comment would stop collectstatic. A missing
    source map only matters to someone debugging the CSS in a browser.
    """

    patterns = tuple(
        (
            file_glob,
            tuple(
                pattern
                for pattern in file_patterns
                if "sourceMappingURL" not in (pattern[0] if isinstance(pattern, tuple) else pattern)
            ),
        )
        for file_glob, file_patterns in CompressedManifestStaticFilesStorage.patterns
    )
