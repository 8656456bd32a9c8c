// MathJax 3, vendored into javascripts/vendor/mathjax at build time (no CDN: the site works offline).
// Markdown pages: pymdownx.arithmatex (generic) wraps math in .arithmatex with \( \) and \[ \].
// Lesson pages: notebook markdown cells keep $...$ and $$...$$, as Jupyter writes them.
// The whole page is scanned, as Jupyter does, except code (pre, code: MathJax's skipHtmlTags)
// and anything inside class="mathjax_ignore". Write \$ for a literal dollar sign.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true,
  },
  options: {
    ignoreHtmlClass: "tex2jax_ignore|mathjax_ignore",
    processHtmlClass: "tex2jax_process|mathjax_process|arithmatex",
  },
};

// Typeset again after Material's instant navigation (harmless without it).
if (typeof document$ !== "undefined") {
  document$.subscribe(() => {
    if (window.MathJax && MathJax.typesetPromise) {
      MathJax.typesetPromise();
    }
  });
}
