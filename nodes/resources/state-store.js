// The "State store" choice of the windowed-stats and light-presence edit dialogs, one copy for both
// (Node-RED serves this package's resources/ at resources/@homestream/node-red-smart-home/): the
// runtime's default store (blank), its other stores (settings.js contextStorage), or "none".
(() => {
  if (window.HomeStreamStateStore) return;

  window.HomeStreamStateStore = {
    /** Fills the `#node-input-stateStore` select of `node`'s dialog; `ns` is the node's locale prefix. */
    fill: (node, ns) => {
      const ctx = RED.settings.context || { default: "memory", stores: ["memory"] };
      const stores = ctx.stores || [];
      const select = $("#node-input-stateStore").empty();
      const option = (value, text) => $("<option></option>").val(value).text(text);
      select.append(option("", node._(`${ns}.placeholder.defaultStore`, { store: ctx.default })));
      for (const s of stores) if (s !== ctx.default) select.append(option(s, s));
      select.append(option("none", node._(`${ns}.placeholder.noStore`)));
      // A store this runtime does not have (a flow from elsewhere) stays selected, not lost.
      if (node.stateStore && node.stateStore !== "none" && !stores.includes(node.stateStore)) {
        select.append(option(node.stateStore, node.stateStore));
      }
      select.val(node.stateStore || "");
    },
  };
})();
