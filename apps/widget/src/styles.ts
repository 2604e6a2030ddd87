/**
 * The widget's stylesheet, inside its shadow root: the host page's CSS cannot
 * reach it, and it cannot leak out. Colours meet WCAG AA contrast (4.5:1 for
 * text); below 480 px the panel takes the whole screen.
 */
export const STYLES = `
:host{all:initial;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;font-size:15px;color:#1f1f1f}
*{box-sizing:border-box}
[hidden]{display:none!important}
button,select,textarea,input{font:inherit;color:inherit}
:focus-visible{outline:3px solid #174ea6;outline-offset:2px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.launcher{position:fixed;right:16px;bottom:16px;z-index:2147483000;border:0;border-radius:28px;padding:14px 20px;background:#0b57d0;color:#fff;font-size:16px;font-weight:600;cursor:pointer;box-shadow:0 4px 12px rgba(0,0,0,.25)}
.launcher:hover{background:#0842a0}
.invitation{position:fixed;right:16px;bottom:84px;z-index:2147483000;width:300px;max-width:calc(100vw - 32px);background:#fff;color:#1f1f1f;border:1px solid #c4c7c5;border-radius:12px;padding:16px;box-shadow:0 4px 16px rgba(0,0,0,.2);font-size:15px}
.invitation p{margin:0 0 12px}
.row{display:flex;gap:8px;flex-wrap:wrap;align-items:center}
.primary{border:0;border-radius:8px;padding:10px 16px;background:#0b57d0;color:#fff;font-weight:600;cursor:pointer}
.primary:hover{background:#0842a0}
.primary:disabled{background:#5f6368;cursor:default}
.secondary{border:1px solid #5f6368;border-radius:8px;padding:9px 14px;background:#fff;color:#1f1f1f;cursor:pointer}
.panel{position:fixed;right:16px;bottom:84px;z-index:2147483000;width:380px;height:min(600px,calc(100vh - 100px));display:flex;flex-direction:column;background:#fff;color:#1f1f1f;border-radius:12px;box-shadow:0 8px 28px rgba(0,0,0,.3);overflow:hidden;font-size:15px;line-height:1.4}
header{display:flex;align-items:center;gap:8px;padding:12px 12px 12px 16px;background:#0b57d0;color:#fff}
header h2{margin:0;font-size:17px;flex:1}
.connection{font-size:13px}
.close{border:0;background:transparent;color:#fff;font-size:24px;line-height:1;width:40px;height:40px;border-radius:8px;cursor:pointer}
.close:focus-visible{outline-color:#fff}
.notice{margin:8px 12px 0;padding:10px 12px;border-radius:8px;background:#fce8e6;color:#8c1d18;font-size:14px}
.notice.info{background:#e8f0fe;color:#0b3a8c}
.start{padding:16px;display:flex;flex-direction:column;gap:12px}
.start p{margin:0}
label{font-weight:600}
select,textarea,input[type=text]{border:1px solid #5f6368;border-radius:8px;padding:8px;background:#fff;color:#1f1f1f}
.status{margin:8px 12px 0;padding:8px 12px;border-radius:8px;background:#f1f3f4;color:#1f1f1f;font-size:14px}
.messages{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px}
.msg{max-width:85%;display:flex;flex-direction:column;gap:2px}
.msg[data-author=visitor]{align-self:flex-end;align-items:flex-end}
.msg[data-author=agent]{align-self:flex-start}
.msg[data-author=system]{align-self:center;max-width:100%;text-align:center}
.bubble{margin:0;padding:8px 12px;border-radius:12px;white-space:pre-wrap;overflow-wrap:anywhere}
.msg[data-author=visitor] .bubble{background:#0b57d0;color:#fff}
.msg[data-author=agent] .bubble{background:#f1f3f4;color:#1f1f1f}
.msg[data-author=system] .bubble{background:transparent;color:#444746;font-size:14px}
.meta{font-size:12px;color:#444746}
.meta.failed{color:#8c1d18}
.toggle{border:0;background:none;color:#0b57d0;text-decoration:underline;font-size:13px;padding:2px;cursor:pointer;align-self:flex-start}
.typing{padding:0 12px 4px;font-size:13px;color:#444746;font-style:italic}
.composer{display:flex;gap:8px;padding:12px;border-top:1px solid #c4c7c5}
.composer textarea{flex:1;resize:none;height:44px}
.survey{padding:12px;border-top:1px solid #c4c7c5;overflow-y:auto;max-height:60%}
.survey h3{margin:0 0 8px;font-size:16px}
.survey fieldset{border:0;margin:0 0 12px;padding:0}
.survey legend{font-weight:600;margin-bottom:6px;padding:0}
.scale{display:flex;flex-wrap:wrap;gap:4px}
.scale label{font-weight:400;display:inline-flex}
.scale input{position:absolute;opacity:0;width:1px;height:1px}
.scale span{display:inline-block;min-width:34px;padding:6px 4px;text-align:center;border:1px solid #5f6368;border-radius:6px;cursor:pointer}
.scale input:checked+span{background:#0b57d0;color:#fff;border-color:#0b57d0}
.scale input:focus-visible+span{outline:3px solid #174ea6;outline-offset:2px}
.ends{display:flex;justify-content:space-between;font-size:12px;color:#444746;margin-top:2px}
.survey textarea{width:100%;height:60px}
@media (max-width:480px){
.panel{inset:0;width:100%;height:100%;max-height:none;border-radius:0}
.invitation{right:8px;left:8px;width:auto;max-width:none}
.launcher[aria-expanded=true]{display:none}
}
`;
