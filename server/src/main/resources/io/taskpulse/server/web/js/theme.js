// Classic script (not a module) so it runs before the first paint: applies the stored theme.
(function () {
  try {
    var t = localStorage.getItem('taskpulse.theme');
    if (t === 'light' || t === 'dark') document.documentElement.dataset.theme = t;
  } catch (e) { /* storage may be off; the system theme applies */ }
})();
