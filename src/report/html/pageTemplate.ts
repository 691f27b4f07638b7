/**
 * The page shell both reports share: uPlot's script and stylesheet inlined
 * (the page opens from disk with no network), the report's own style, the
 * chart data as one JSON block, and the script that draws it. uPlot was
 * chosen for size (about 53 KB with its CSS, against about 1 MB for ECharts
 * and 4.8 MB for Plotly) and speed on long series; see the README.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { escapeHtml, scriptJson } from './format.js';

const require = createRequire(import.meta.url);

let uplotAssets: { js: string; css: string } | undefined;

/** uPlot's minified build and stylesheet, read once from node_modules. */
function uplot(): { js: string; css: string } {
  uplotAssets ??= {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8').replace(/<\/script/gi, '<\\/script'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
  return uplotAssets;
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1b1b;background:#fff}
main{max-width:1180px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:22px;margin:8px 0 4px}h2{font-size:17px;margin:28px 0 6px;border-bottom:1px solid #ddd;padding-bottom:3px}
h3{font-size:15px;margin:18px 0 2px}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;font-size:13px}
.meta dt{color:#555}.meta dd{margin:0;font-family:ui-monospace,Menlo,monospace;word-break:break-all}
.synthetic,.warning{background:#fff3cd;border:1px solid #e0b400;padding:6px 10px;margin:8px 0;font-weight:600}
.banner{background:#fde2e1;border:1px solid #c0392b;color:#8e1c12;padding:8px 12px;margin:10px 0;font-weight:600}
.caption{color:#555;font-size:12.5px;margin:0 0 4px}
.note{color:#666;font-style:italic;margin:6px 0}
table{border-collapse:collapse;font-size:13px;margin:6px 0}
th,td{border-bottom:1px solid #e4e4e4;padding:3px 10px 3px 0;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums;font-family:ui-monospace,Menlo,monospace}
.chart{margin:4px 0 10px;min-height:300px}
.hint{color:#777;font-size:12px}
svg text{font:11px system-ui,sans-serif}
`;

export interface PageParts {
  readonly title: string;
  /** Trusted HTML: built by the report modules, every user text escaped there. */
  readonly body: string;
  /** The data block read by the chart script (omitted: no charts). */
  readonly data?: unknown;
}

export function renderPage(parts: PageParts): string {
  const assets = uplot();
  const data = parts.data === undefined ? '' : `<script type="application/json" id="report-data">${scriptJson(parts.data)}</script>\n<script>${assets.js}</script>\n<script>${CHART_SCRIPT}</script>\n`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(parts.title)}</title>
<style>${assets.css}${STYLE}</style>
</head>
<body>
<main>
${parts.body}
</main>
${data}</body>
</html>
`;
}

/**
 * Draws every chart of the data block with uPlot. Hover shows each series'
 * recorded value (for stacked charts the part, not the running total);
 * drag to zoom, double-click to reset; the cursor and the zoom of every
 * chart over time follow each other (one time axis); charts over strikes,
 * spots or moneyness stand alone. Times are shown in UTC.
 * Exposes the plots as window.__cascadePlots for the browser test.
 */
const CHART_SCRIPT = String.raw`(function(){
"use strict";
var data=JSON.parse(document.getElementById("report-data").textContent);
var plots=[];var syncing=false;
function fmt(v){if(v==null||!isFinite(v))return "–";var a=Math.abs(v);
if(a>=1e9)return (v/1e9).toPrecision(4)+"B";if(a>=1e6)return (v/1e6).toPrecision(4)+"M";if(a>=1e4)return (v/1e3).toPrecision(4)+"k";
return String(+v.toPrecision(4));}
function tz(ts){return uPlot.tzDate(new Date(ts*1e3),"Etc/UTC");}
function refLine(y){return function(u){var ctx=u.ctx;var p=Math.round(u.valToPos(y,"y",true));
if(p<u.bbox.top||p>u.bbox.top+u.bbox.height)return;ctx.save();ctx.strokeStyle="#c0392b";ctx.lineWidth=1.5*devicePixelRatio;
ctx.setLineDash([6*devicePixelRatio,4*devicePixelRatio]);ctx.beginPath();ctx.moveTo(u.bbox.left,p);ctx.lineTo(u.bbox.left+u.bbox.width,p);ctx.stroke();ctx.restore();};}
function vLines(lines){return function(u){var ctx=u.ctx;ctx.save();lines.forEach(function(l,k){var p=Math.round(u.valToPos(l.x,"x",true));
if(p<u.bbox.left||p>u.bbox.left+u.bbox.width)return;ctx.strokeStyle=l.color;ctx.lineWidth=1.5*devicePixelRatio;ctx.setLineDash([4*devicePixelRatio,4*devicePixelRatio]);
ctx.beginPath();ctx.moveTo(p,u.bbox.top);ctx.lineTo(p,u.bbox.top+u.bbox.height);ctx.stroke();ctx.font=(11*devicePixelRatio)+"px sans-serif";ctx.textAlign="left";ctx.textBaseline="alphabetic";
var ty=u.bbox.top+(12+14*k)*devicePixelRatio;var tw=ctx.measureText(l.label).width;ctx.setLineDash([]);ctx.fillStyle="rgba(255,255,255,0.85)";
ctx.fillRect(p+2*devicePixelRatio,ty-10*devicePixelRatio,tw+4*devicePixelRatio,13*devicePixelRatio);ctx.fillStyle=l.color;ctx.fillText(l.label,p+4*devicePixelRatio,ty);});ctx.restore();};}
// Over strikes or spots the axis holds every x, a half column beyond the outer ones (bars are a column wide),
// and the marked lines (a spot outside the strikes still shows where it stands).
function xRange(xs,c){var lo=Infinity,hi=-Infinity,gap=Infinity;for(var i=0;i<xs.length;i++){lo=Math.min(lo,xs[i]);hi=Math.max(hi,xs[i]);if(i>0&&xs[i]>xs[i-1])gap=Math.min(gap,xs[i]-xs[i-1]);}
(c.vLines||[]).forEach(function(l){lo=Math.min(lo,l.x);hi=Math.max(hi,l.x);});var pad=c.bars&&isFinite(gap)?gap/2:0;
return function(u,min,max){return isFinite(lo)&&hi>lo?[lo-pad,hi+pad]:[min,max];};}
data.charts.forEach(function(c){
var el=document.getElementById("chart-"+c.id);
var isTime=c.xLabel==null;
var xs=isTime?c.x.map(function(s){return s+data.t0;}):c.x;
var raw=c.y;var ys=raw;
if(c.stacked){ys=[];var acc=xs.map(function(){return 0;});
raw.forEach(function(r){acc=acc.map(function(a,i){return a+(r[i]==null?0:r[i]);});ys.push(acc.slice());});}
var series=[isTime?{value:function(u,v){return v==null?"–":uPlot.fmtDate("{YYYY}-{MM}-{DD} {HH}:{mm}")(tz(v))+" UTC";}}:{label:c.xLabel,value:function(u,v){return fmt(v);}}];
var anyRight=false;
c.series.forEach(function(s,si){if(s.right)anyRight=true;
var sp={label:s.label,stroke:s.color,width:1.25,scale:s.right?"r":"y",spanGaps:!isTime,
fill:c.stacked?s.color+"99":undefined,
value:function(u,v,si,idx){return idx==null?"–":fmt(raw[si-1][idx]);}};
// Two series of bars stand side by side, the first left of its x and the second right of it; one is centred on it.
if(c.bars){var two=c.series.length===2;sp.paths=uPlot.paths.bars({size:[two?0.4:0.8,60],align:two?(si===0?-1:1):0});sp.fill=s.color+"cc";sp.points={show:false};}
series.push(sp);});
var bands=[];
// A band fills only where its first series lies above its second: both orders, so parts of either sign are filled.
if(c.stacked){for(var k=ys.length;k>1;k--){bands.push({series:[k,k-1],fill:c.series[k-1].color+"99"});bands.push({series:[k-1,k],fill:c.series[k-1].color+"99"});}}
if(c.fillBetween){bands.push({series:[1,2],fill:"rgba(213,94,0,0.22)"});bands.push({series:[2,1],fill:"rgba(0,158,115,0.22)"});}
var axes=[isTime?{label:"UTC",labelSize:14,space:110,values:function(u,v){var f=uPlot.fmtDate("{MM}-{DD} {HH}:{mm}");return v.map(function(t){return f(tz(t));});}}:{label:c.xLabel,values:function(u,v){return v.map(fmt);}},{scale:"y",label:c.unit,size:70,values:function(u,v){return v.map(fmt);}}];
if(anyRight)axes.push({scale:"r",side:1,label:c.rightUnit||"",size:70,grid:{show:false},values:function(u,v){return v.map(fmt);}});
var draw=[];if(c.refLine!=null)draw.push(refLine(c.refLine));if(c.vLines)draw.push(vLines(c.vLines));
var opts={width:Math.max(320,el.clientWidth),height:280,tzDate:tz,series:series,axes:axes,bands:bands,
scales:{x:isTime?{time:true}:{time:false,range:xRange(xs,c)}},
cursor:isTime?{sync:{key:"cascade",setSeries:false},drag:{x:true,y:false}}:{drag:{x:true,y:false}},
hooks:{draw:draw,
setScale:[function(u,key){if(key!=="x"||syncing||!u.__isTime)return;syncing=true;
plots.forEach(function(p){if(p!==u&&p.__isTime)p.setScale("x",{min:u.scales.x.min,max:u.scales.x.max});});syncing=false;}]}};
var u=new uPlot(opts,[xs].concat(ys),el);u.__chartId=c.id;u.__isTime=isTime;plots.push(u);});
window.addEventListener("resize",function(){plots.forEach(function(p){var el=p.root.parentNode;p.setSize({width:Math.max(320,el.clientWidth),height:280});});});
window.__cascadePlots=plots;document.body.setAttribute("data-charts-drawn",String(plots.length));
})();`;
