// Numbers as the page shows them; 'en-US' so the grouping does not depend on the browser's locale.
export const fmtBytes = (b) => (b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${Math.round(b / 1e3)} kB`);
export const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
