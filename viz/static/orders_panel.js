/* 我的待办 and overdue orders by body, for the home page: fills <div id="kg-orders"> from GET /orders/todo.
   Self-contained (no library); include it with
   <div id="kg-orders"></div><script src="/static/orders_panel.js"></script> */
(function () {
  function el(tag, text, style) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (style) e.setAttribute('style', style);
    return e;
  }
  function list(title, items, empty) {
    var sec = el('div', undefined, 'flex:1;min-width:260px;background:#fff;border-radius:6px;padding:10px 14px;box-shadow:0 1px 3px rgba(0,0,0,.12)');
    sec.appendChild(el('div', title + '（' + items.length + '）', 'font-weight:bold;margin-bottom:6px'));
    if (!items.length) { sec.appendChild(el('div', empty, 'color:#888;font-size:13px')); return sec; }
    var ul = el('ul', undefined, 'margin:0;padding-left:18px;font-size:13px');
    items.slice(0, 10).forEach(function (o) {
      var li = el('li');
      var a = el('a', o.kind + ' ' + o.order_no + '：' + o.title, 'color:#4e79a7;text-decoration:none');
      a.href = '/orders/' + encodeURIComponent(o.order_no) + '.html';
      li.appendChild(a);
      var extra = ' · ' + (o.assignee_name || o.assignee_code || '') + ' · 期限 ' + o.deadline;
      if (o.overdue) extra += ' · 逾期 ' + o.days_overdue + ' 天';
      li.appendChild(el('span', extra, o.overdue ? 'color:#b00020' : 'color:#666'));
      ul.appendChild(li);
    });
    sec.appendChild(ul);
    return sec;
  }
  function render(box, t) {
    box.textContent = '';
    box.appendChild(el('h2', '我的待办 · 督办单', 'font-size:17px;margin:0 0 10px'));
    var row = el('div', undefined, 'display:flex;flex-wrap:wrap;gap:12px;margin-bottom:18px');
    var mine = t.to_sign.concat(t.to_answer.filter(function (o) { return t.to_sign.indexOf(o) < 0; }));
    var seen = {}; mine = mine.filter(function (o) { if (seen[o.order_no]) return false; seen[o.order_no] = 1; return true; });
    row.appendChild(list('待签收/待反馈', mine, '无'));
    row.appendChild(list('待办结（已反馈）', t.to_close, '无'));
    row.appendChild(list('逾期未反馈', t.overdue, '无逾期督办单'));
    var byBody = el('div', undefined, 'flex:1;min-width:220px;background:#fff;border-radius:6px;padding:10px 14px;box-shadow:0 1px 3px rgba(0,0,0,.12)');
    byBody.appendChild(el('div', '逾期督办单（按承办单位）', 'font-weight:bold;margin-bottom:6px'));
    var tb = el('table', undefined, 'font-size:13px;border-collapse:collapse;width:100%');
    tb.id = 'kg-orders-by-body';
    t.overdue_by_body.forEach(function (b) {
      var tr = el('tr');
      tr.appendChild(el('td', b.assignee_name || b.assignee_code));
      tr.appendChild(el('td', String(b.overdue), 'text-align:right;color:#b00020'));
      tb.appendChild(tr);
    });
    if (!t.overdue_by_body.length) byBody.appendChild(el('div', '无', 'color:#888;font-size:13px'));
    byBody.appendChild(tb);
    row.appendChild(byBody);
    box.appendChild(row);
  }
  function load() {
    var box = document.getElementById('kg-orders');
    if (!box) return;
    var asOf = new URLSearchParams(window.location.search).get('as_of');
    fetch('/orders/todo' + (asOf ? '?as_of=' + encodeURIComponent(asOf) : ''), {credentials: 'same-origin'})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (t) { if (t) render(box, t); else box.textContent = ''; })
      .catch(function () { box.textContent = ''; });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', load); else load();
})();
