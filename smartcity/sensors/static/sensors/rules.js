// Alert rule form: shows only the parameters of the chosen kind. Without JavaScript every
// kind's parameters stay visible, each group labelled with its kind.
(function () {
  "use strict";
  var choices = document.querySelectorAll("input[name=kind]");
  var groups = document.querySelectorAll("[data-rule-kind]");
  if (!choices.length || !groups.length) { return; }

  function update() {
    var chosen = document.querySelector("input[name=kind]:checked");
    groups.forEach(function (group) {
      group.hidden = !chosen || group.dataset.ruleKind !== chosen.value;
    });
  }

  choices.forEach(function (choice) { choice.addEventListener("change", update); });
  update();
})();
