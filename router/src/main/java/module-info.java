/** The trie router: patterns, matching and query parsing; no dependencies. */
module dev.siphon.http.router {
    exports dev.siphon.http.router;
}
