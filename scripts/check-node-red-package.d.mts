/** The flow library's no-network scorecard breaches of the Node-RED package in `dir` (none: []). */
export function checkNodeRedPackage(dir: string): string[];
