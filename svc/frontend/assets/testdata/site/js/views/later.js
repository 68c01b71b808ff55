import{title}from"./page.js";
export function run() { return title; }
